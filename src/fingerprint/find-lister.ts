// Lists directories with find processes running beside Node: find stats entries in C faster than Node's lstat, and two of them use both CPUs while Node sorts and hashes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { findEnded, startFind, type FindProcess } from './find-process.js';
import { fsPath, joinPath, TreeChangedError, type Block, type Lister } from './listing.js';
import { reachable } from './long-path.js';

let pageSize: number | undefined;

// Every listed directory yields at least a header record this long (epoch times, one-byte fields).
const MIN_RECORD = 40;
// Listed entries held for the walk before more requests wait, and requests in flight per find. An entry held
// through two young-generation collections is moved to the old generation and dies there, so a long lead turns
// every entry into old-generation garbage (20,000 cost a 1M-entry walk 7 MB more peak RSS than 5,000, and no less CPU).
const MAX_BUFFERED = 5_000;
const MAX_IN_FLIGHT = 256;

/**
 * find writes to its pipe through a stdio buffer of one page, flushed only when full. A find
 * with no requests left may sit on the very block take() waits for, so a find is never left
 * with fewer unanswered requests than fill a page while take() waits on it.
 */
function minInFlight(): number {
  pageSize ??= Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout) || 65536;
  return Math.ceil(pageSize / MIN_RECORD);
}

export class FindLister implements Lister {
  private readonly procs: FindProcess[];
  private readonly order: Array<{ proc: FindProcess; name: string; rel: string }> = [];
  private head = 0;
  private pending: Array<{ name: string; rel: string }> = [];
  private waitingOn: FindProcess | null = null;
  private notify: (() => void) | null = null;
  private readonly low = minInFlight();
  /** find runs in the root, asked for relative paths, so a long root takes nothing from an entry's PATH_MAX; null for a root whose name is not UTF-8 (spawn's cwd is text). */
  private readonly cwd: string | null;

  /** `root` is the source's real path as latin1 bytes. */
  constructor(private readonly root: string, dev: number, count = 2) {
    const bytes = fsPath(root);
    const text = bytes.toString('utf8');
    this.cwd = Buffer.from(text, 'utf8').equals(bytes) ? text : null;
    this.procs = Array.from({ length: count }, () => startFind(dev, this.cwd, () => this.signal()));
  }

  get hungry(): boolean {
    const waited = this.waitingOn;
    if (waited && this.unanswered(waited) < this.low) return true;
    const buffered = this.procs.reduce((sum, p) => sum + p.parser.entries, 0);
    return buffered < MAX_BUFFERED && this.procs.some((p) => this.unanswered(p) < Math.max(MAX_IN_FLIGHT, this.low));
  }

  changed(): Promise<void> {
    return new Promise((resolve) => (this.notify = resolve));
  }

  submit(rel: string, name: string): void {
    // find names a start point `.` just so.
    this.pending.push({ rel, name: rel === '' && this.cwd !== null ? '.' : name });
  }

  async drain(): Promise<void> {
    if (this.pending.length === 0) return;
    // The find take() waits on comes first; otherwise the one with the least work.
    const waited = this.waitingOn;
    const proc = waited && this.unanswered(waited) < this.low ? waited : this.procs.reduce((a, b) => (this.unanswered(b) < this.unanswered(a) ? b : a));
    for (const request of this.pending) this.order.push({ proc, ...request });
    proc.given += this.pending.length;
    const data = fsPath(this.pending.map((r) => `${this.startPoint(r.rel)}\0`).join(''));
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
    if (++this.head > 4096) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    const { proc } = request;
    while (proc.parser.blocks.length === 0) {
      if (proc.failure) throw proc.failure;
      if (proc.done) throw new TreeChangedError(`find never listed ${JSON.stringify(request.rel)}: ${proc.stderr.trim()}`);
      this.waitingOn = proc;
      this.signal();
      await new Promise<void>((resolve) => (proc.wake = resolve));
    }
    this.waitingOn = null;
    const block = proc.parser.shift()!;
    this.signal();
    if (block.header.name !== request.name || block.header.type !== 'd') {
      throw new TreeChangedError(`expected directory ${JSON.stringify(request.rel)}, find listed ${JSON.stringify(block.header.name)}`);
    }
    for (const child of block.children) {
      // find has no format for device numbers, and devices are rare enough to stat again.
      if (child.type === 'c' || child.type === 'b') {
        child.rdev = Number(fs.lstatSync(reachable(fsPath(joinPath(joinPath(this.root, request.rel), child.name)))).rdev);
      }
    }
    return block;
  }

  async finish(): Promise<void> {
    for (const proc of this.procs) await findEnded(proc);
  }

  close(): void {
    for (const proc of this.procs) if (!proc.done) proc.child.kill('SIGKILL');
    this.signal();
  }

  private startPoint(rel: string): string {
    if (this.cwd === null) return joinPath(this.root, rel);
    return rel === '' ? '.' : rel;
  }

  private unanswered(proc: FindProcess): number {
    return proc.given - proc.parser.headers;
  }

  private signal(): void {
    const resolve = this.notify;
    this.notify = null;
    resolve?.();
  }
}
