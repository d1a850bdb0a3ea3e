// A real sshd for fleet tests: its own host key, one temporary client key, root login by key only, on loopback addresses.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { waitFor } from './settle.js';

export interface Sshd {
  port: number;
  /** The client's private key, for ansible_ssh_private_key_file. */
  key: string;
  /** ssh -o settings for the inventory: this key only, this server's host key only, no agent or user config. */
  sshArgs: string;
  /** ansible_ssh_args: Ansible's connection reuse, with the master sockets in dir so that stop() can end them. */
  controlArgs: string;
  stop(): Promise<void>;
}

async function freePort(address: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (address: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, address, () => resolve(socket.end() && true));
    socket.on('error', () => resolve(false));
  });

/** Starts sshd on each address (127.0.0.x) in dir (0700, root's); stop() ends it, and the caller removes dir. */
export async function startSshd(dir: string, addresses: readonly string[]): Promise<Sshd> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const hostKey = path.join(dir, 'host_ed25519');
  const key = path.join(dir, 'client_ed25519');
  for (const file of [hostKey, key]) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ltsp-image fleet test', '-f', file]);
  fs.copyFileSync(`${key}.pub`, path.join(dir, 'authorized_keys'));
  const port = await freePort(addresses[0]!);
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(path.join(dir, 'known_hosts'), addresses.map((a) => `[${a}]:${port} ${hostPub}\n`).join(''));
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      ...addresses.map((a) => `ListenAddress ${a}:${port}`),
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      // The key files are this test's, in its 0700 dir; sshd's own check would also refuse every parent that others
      // can write, and a checkout under /tmp (1777) has one.
      'StrictModes no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // -D: in the foreground, so it is this test's child and ends with it; -e: errors to the test's stderr.
  const child: ResultPromise = execa('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { reject: false });
  await waitFor(async () => (await Promise.all(addresses.map((a) => accepts(a, port)))).every(Boolean), `sshd on ${addresses.join(', ')}:${port}`, 10_000);
  const sshArgs = [
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-F /dev/null',
  ].join(' ');
  // %h, not %C: a socket path must stay under 108 bytes.
  const controlPath = path.join(dir, '%h');
  return {
    port,
    key,
    sshArgs,
    controlArgs: `-o ControlMaster=auto -o ControlPersist=60s -o ControlPath=${controlPath}`,
    async stop() {
      for (const address of addresses) await execa('ssh', ['-o', `ControlPath=${controlPath}`, '-p', String(port), '-O', 'exit', `root@${address}`], { reject: false });
      child.kill('SIGTERM');
      await child;
    },
  };
}
