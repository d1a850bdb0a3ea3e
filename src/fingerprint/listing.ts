// The contract between the walker and whatever lists directories for it (find in the background, or plain fs calls), so either can serve the same walk.
import type { BigIntStats } from 'node:fs';
import { Entry, splitNs, type EntryType } from './entry.js';

/** One directory as listed: its own entry and its children, unsorted. */
export interface Block {
  header: Entry;
  children: Entry[];
}

/**
 * Lists directories in the order they were submitted. A lister may work ahead of take(), which
 * is why the walk submits directories before it needs them, as long as `hungry` says so.
 */
export interface Lister {
  /** Queues a directory: `rel` is relative to the root ('' for the root), `name` its last component as the lister will report it. */
  submit(rel: string, name: string): void;
  /** Hands queued requests over; resolves when the lister can take more. */
  drain(): Promise<void>;
  /** No more submissions. */
  end(): void;
  /** The next submitted directory's block. */
  take(): Promise<Block>;
  /** Whether more submissions are welcome now; its answer keeps memory bounded without ever stalling take(). */
  readonly hungry: boolean;
  /** Resolves when `hungry` may have changed. */
  changed(): Promise<void>;
  /** Resolves once the lister has stopped; rejects if it failed in a way that makes the walk wrong. */
  finish(): Promise<void>;
  /** Stops at once (the walk was abandoned). */
  close(): void;
}

/** The tree changed under the walk (an entry appeared, vanished or changed type midway); a new walk will see it settled. */
export class TreeChangedError extends Error {
  constructor(detail: string) {
    super(`the source tree changed while it was being read: ${detail}`);
    this.name = 'TreeChangedError';
  }
}

const S_IFMT = 0o170000;
const TYPE_BITS = new Map<number, EntryType>([
  [0o100000, 'f'],
  [0o040000, 'd'],
  [0o120000, 'l'],
  [0o020000, 'c'],
  [0o060000, 'b'],
  [0o010000, 'p'],
  [0o140000, 's'],
]);

/** An Entry from lstat() results, or null for a file type mksquashfs ignores. */
export function entryFromStats(name: string, stats: BigIntStats, dev: number, target: string): Entry | null {
  const type = TYPE_BITS.get(Number(stats.mode) & S_IFMT);
  if (!type) return null;
  const [mtimeSec, mtimeNsec] = splitNs(stats.mtimeNs);
  const [ctimeSec, ctimeNsec] = splitNs(stats.ctimeNs);
  const entry = new Entry(
    name,
    type,
    Number(stats.mode) & 0o7777,
    Number(stats.uid),
    Number(stats.gid),
    Number(stats.size),
    mtimeSec,
    mtimeNsec,
    ctimeSec,
    ctimeNsec,
    dev,
    Number(stats.ino),
    target,
  );
  if (type === 'c' || type === 'b') entry.rdev = Number(stats.rdev);
  entry.nlink = Number(stats.nlink);
  return entry;
}

/** The byte path of a latin1 path string, for fs calls (a plain string would be re-encoded as UTF-8). */
export function fsPath(latin1: string): Buffer {
  return Buffer.from(latin1, 'latin1');
}

/** root + '/' + rel for latin1 paths, with '' meaning the root itself. */
export function joinPath(root: string, rel: string): string {
  if (rel === '') return root;
  return root === '/' ? `/${rel}` : `${root}/${rel}`;
}
