// One find process of a walk: what it is asked (start points on stdin, one level each), its records parsed as they arrive, and what its exit means.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FIND_FORMAT, RecordParser } from './find-records.js';

export interface FindProcess {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  parser: RecordParser;
  /** Directories written to this find. */
  given: number;
  stderr: string;
  failure: Error | null;
  done: boolean;
  closed: Promise<number | null>;
  /** Resolves take()'s wait when output arrives or find ends. */
  wake: (() => void) | null;
}

let supported: boolean | undefined;

/** Whether this find reads start points from stdin (-files0-from, findutils 4.9 and later). */
export function findCanList(): boolean {
  supported ??= spawnSync('find', ['-files0-from', '/dev/null', '-maxdepth', '0', '-printf', ''], { stdio: 'ignore' }).status === 0;
  return supported;
}

// Errors find may print that only mean an entry vanished between readdir and stat; mksquashfs skips those too.
const VANISHED = /No such file or directory$/;

/**
 * Starts a find that lists each start point written to its stdin and the entries directly in it, in `cwd` when given
 * (start points are then relative). `changed` is called whenever it has output, fails or ends.
 */
export function startFind(dev: number, cwd: string | null, changed: () => void): FindProcess {
  const args = ['-files0-from', '-', '-mindepth', '0', '-maxdepth', '1', '-printf', FIND_FORMAT];
  const child = spawn('find', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, ...(cwd === null ? {} : { cwd }) });
  const proc: FindProcess = { child, parser: new RecordParser(dev), given: 0, stderr: '', failure: null, done: false, closed: Promise.resolve(null), wake: null };
  const wake = (): void => {
    const resolve = proc.wake;
    proc.wake = null;
    resolve?.();
    changed();
  };
  const fail = (error: Error): void => {
    proc.failure ??= error;
    wake();
  };
  proc.closed = new Promise((resolve) => {
    child.on('close', (code) => {
      proc.done = true;
      wake();
      resolve(code);
    });
  });
  child.on('error', fail);
  child.stdin.on('error', () => undefined);
  child.stderr.setEncoding('latin1');
  child.stderr.on('data', (text: string) => {
    if (proc.stderr.length < 65536) proc.stderr += text;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    try {
      proc.parser.push(chunk);
    } catch (error) {
      fail(error as Error);
    }
    wake();
  });
  child.stdout.on('end', () => {
    try {
      proc.parser.end();
    } catch (error) {
      fail(error as Error);
    }
    wake();
  });
  return proc;
}

/** Waits for `proc` to end; throws when it failed for more than entries vanishing under it. */
export async function findEnded(proc: FindProcess): Promise<void> {
  const code = await proc.closed;
  if (proc.failure) throw proc.failure;
  const serious = proc.stderr.split('\n').filter((line) => line && !VANISHED.test(line));
  if (code !== 0 && (serious.length > 0 || proc.stderr === '')) {
    throw new Error(`find failed (exit ${code}): ${serious.join('; ') || 'no message'}`);
  }
}
