// Lists directories with plain fs calls: the fallback where find cannot read start points from stdin (findutils before 4.9), and a second opinion in tests.
import fs from 'node:fs';
import type { Entry } from './entry.js';
import { entryFromStats, fsPath, joinPath, TreeChangedError, type Block, type Lister } from './listing.js';
import { reachable } from './long-path.js';
import { hasCode } from '../core/errors.js';

// Directories queued ahead of take(): listing happens in take(), so a short queue is all the walk needs.
const AHEAD = 64;

export class NodeLister implements Lister {
  private readonly queue: Array<{ rel: string; name: string }> = [];
  private head = 0;
  private notify: (() => void) | null = null;

  /** `root` is the source's real path as latin1 bytes. */
  constructor(private readonly root: string, private readonly dev: number) {}

  submit(rel: string, name: string): void {
    this.queue.push({ rel, name });
  }

  get hungry(): boolean {
    return this.queue.length - this.head < AHEAD;
  }

  changed(): Promise<void> {
    return new Promise((resolve) => (this.notify = resolve));
  }

  async drain(): Promise<void> {
    // Listing happens in take(); nothing runs ahead.
  }

  end(): void {
    // Nothing runs in the background.
  }

  async take(): Promise<Block> {
    const request = this.queue[this.head];
    if (!request) throw new Error('take() without a submitted directory');
    if (++this.head > 4096) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.signal();
    const dir = joinPath(this.root, request.rel);
    const stats = fs.lstatSync(reachable(fsPath(dir)), { bigint: true, throwIfNoEntry: false });
    const header = stats && entryFromStats(request.name, stats, this.dev, '');
    if (!header || header.type !== 'd') throw new TreeChangedError(`directory ${JSON.stringify(request.rel)} is gone`);
    let names: string[];
    try {
      names = fs.readdirSync(reachable(fsPath(dir)), { encoding: 'latin1' });
    } catch (error) {
      if (hasCode(error, 'ENOENT')) throw new TreeChangedError(`directory ${JSON.stringify(request.rel)} is gone`);
      throw error;
    }
    const children: Entry[] = [];
    for (const name of names) {
      const path = fsPath(joinPath(dir, name));
      // Like mksquashfs, an entry that vanished between readdir and lstat is simply not there.
      const child = fs.lstatSync(reachable(path), { bigint: true, throwIfNoEntry: false });
      if (!child) continue;
      const target = child.isSymbolicLink() ? readTarget(reachable(path)) : '';
      if (target === null) continue;
      const entry = entryFromStats(name, child, this.dev, target);
      if (entry) children.push(entry);
    }
    return { header, children };
  }

  async finish(): Promise<void> {
    // Errors surface from take() directly.
  }

  close(): void {
    this.signal();
  }

  private signal(): void {
    const resolve = this.notify;
    this.notify = null;
    resolve?.();
  }
}

function readTarget(path: Buffer): string | null {
  try {
    return fs.readlinkSync(path, { encoding: 'latin1' });
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return null;
    throw error;
  }
}
