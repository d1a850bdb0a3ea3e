// The server's own MAC and IP address as the reference's network_vars finds them, to pick [MAC] and [IP] sections of ltsp.conf.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { NetworkNames } from './evaluate.js';

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    return '';
  }
}

/** The device and source address used to reach LTSP's client network, 192.168.67.1 (or .2 when this server is .1). */
function route(): { device: string; address: string } {
  let device = '';
  let address = '';
  for (const target of ['192.168.67.1', '192.168.67.2']) {
    const m = /\bdev +(\S+) +src +(\S+)/.exec(ip(['-o', 'route', 'get', target]));
    if (!m) continue;
    [device, address] = [m[1]!, m[2]!];
    if (device === 'lo') continue;
    if (address !== '192.168.67.1') break;
  }
  if (device === 'lo') device = '';
  return { device, address };
}

/** null when no MAC address can be found (the reference stops there; here [MAC]/[IP] sections are then not evaluated). */
export function serverNetwork(): NetworkNames | null {
  let { device, address } = route();
  // No address (a server with its cable unplugged): the reference still takes the first real device's MAC.
  if (!address) {
    device = fs.existsSync('/sys/class/net') ? (fs.readdirSync('/sys/class/net').find((d) => fs.existsSync(`/sys/class/net/${d}/device`)) ?? '') : '';
  }
  if (!device) return null;
  const mac = /link\/ether (\S+)/.exec(ip(['-o', 'link', 'show', 'dev', device]))?.[1];
  return mac ? { mac, ip: address } : null;
}
