// Watches a running process through /proc: whether it has a given file open, to kill it at exactly that moment.
import fs from 'node:fs';

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
  const deadline = Date.now() + timeoutMs;
  while (!hasOpen(pid, file)) {
    if (Date.now() > deadline) throw new Error(`${pid} never opened ${file}: ${context()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
