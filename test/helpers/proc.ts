// Watches processes through /proc: whether one has a given file open (to kill it at exactly that moment), which run as a given program.
import fs from 'node:fs';
import { waitFor } from './settle.js';

export function hasOpen(pid: number, file: string): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Waits until `pid` has `file` open; fails with `context` after timeoutMs. */
export async function waitForOpen(pid: number, file: string, context: () => string, timeoutMs = 60000): Promise<void> {
  await waitFor(() => hasOpen(pid, file), () => `${pid} to open ${file}: ${context()}`, timeoutMs);
}

/** PIDs of the live processes started as `program` (argv[0]): a test's own symlink to a command tells its processes apart. */
export function processesRunning(program: string): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program) found.push(Number(pid));
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

