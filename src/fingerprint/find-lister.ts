// Lists directories with find processes running beside Node: find stats entries in C faster than Node's lstat, and two of them use both CPUs while Node sorts and hashes.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { FIND_FORMAT, RecordParser } from './find-records.js';
import { fsPath, joinPath, TreeChangedError, type Block, type Lister } from './listing.js';

interface FindProcess {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  parser: RecordParser;
  stderr: string;
  failure: Error | null;
  done: boolean;
  closed: Promise<number | null>;
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

export class FindLister implements Lister {
  starving = false;
  private readonly procs: FindProcess[];
  private readonly order: Array<{ proc: FindProcess; name: string; rel: string }> = [];
  private head = 0;
  private turn = 0;
  private pending: string[] = [];

  /** `root` is the source's real path as latin1 bytes; `onStarve` lets the feeder know take() is waiting. */
  constructor(private readonly root: string, dev: number, private readonly onStarve: () => void, count = 2) {
    this.procs = Array.from({ length: count }, () => this.start(dev));
  }

  get buffered(): number {
    return this.procs.reduce((sum, p) => sum + p.parser.entries, 0);
  }

  submit(rel: string, name: string): void {
    this.order.push({ proc: this.procs[this.turn]!, name, rel });
    this.pending.push(joinPath(this.root, rel));
  }

  async drain(): Promise<void> {
    if (this.pending.length === 0) return;
    const proc = this.procs[this.turn]!;
    this.turn = (this.turn + 1) % this.procs.length;
    const data = fsPath(this.pending.join('\0') + '\0');
    this.pending = [];
    if (!proc.done && !proc.child.stdin.write(data)) {
      await Promise.race([new Promise((resolve) => proc.child.stdin.once('drain', resolve)), proc.closed]);
    }
  }

  end(): void {
    void this.drain();
    for (const proc of this.procs) proc.child.stdin.end();
  }

  async take(): Promise<Block> {
    const request = this.order[this.head];
    if (!request) throw new Error('take() without a submitted directory');
    this.order[this.head++] = undefined as never;
    const { proc } = request;
    while (proc.parser.blocks.length === 0) {
      if (proc.failure) throw proc.failure;
      if (proc.done) throw new TreeChangedError(`find never listed ${JSON.stringify(request.rel)}`);
      this.starving = true;
      this.onStarve();
      await new Promise<void>((resolve) => (proc.wake = resolve));
    }
    this.starving = false;
    const block = proc.parser.shift()!;
    if (block.header.name !== request.name || block.header.type !== 'd') {
      throw new TreeChangedError(`expected directory ${JSON.stringify(request.rel)}, find listed ${JSON.stringify(block.header.name)}`);
    }
    for (const child of block.children) {
      // find has no format for device numbers, and devices are rare enough to stat again.
      if (child.type === 'c' || child.type === 'b') {
        child.rdev = Number(fs.lstatSync(fsPath(joinPath(joinPath(this.root, request.rel), child.name))).rdev);
      }
    }
    return block;
  }

  async finish(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.closed));
    for (const proc of this.procs) {
      if (proc.failure) throw proc.failure;
      const code = await proc.closed;
      const serious = proc.stderr.split('\n').filter((line) => line && !VANISHED.test(line));
      if (code !== 0 && (serious.length > 0 || proc.stderr === '')) {
        throw new Error(`find failed (exit ${code}): ${serious.join('; ') || 'no message'}`);
      }
    }
  }

  close(): void {
    for (const proc of this.procs) if (!proc.done) proc.child.kill('SIGKILL');
  }

  private start(dev: number): FindProcess {
    const args = ['-files0-from', '-', '-mindepth', '0', '-maxdepth', '1', '-printf', FIND_FORMAT];
    const child = spawn('find', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const proc: FindProcess = { child, parser: new RecordParser(dev), stderr: '', failure: null, done: false, closed: Promise.resolve(null), wake: null };
    const wake = (): void => {
      const resolve = proc.wake;
      proc.wake = null;
      resolve?.();
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
      if (proc.parser.blocks.length > 0) wake();
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
}
