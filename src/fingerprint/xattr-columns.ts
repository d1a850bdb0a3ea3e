// A walk sees a million entries: their inodes and ctimes are kept in typed columns, 20 bytes an entry, sorted by inode to be searched.
import type { Entry } from './entry.js';

/** The inodes of one device a walk saw, sorted, with the ctime each had then. */
export interface Seen {
  inos: Float64Array;
  secs: Float64Array;
  /** Padded to a whole 8 bytes, so the next column in the file starts aligned. */
  nsecs: Uint32Array;
}

/** The index of `e` in `seen` when it was seen with this very ctime, else -1. */
export function seenAt(seen: Seen | undefined, e: Entry): number {
  if (!seen) return -1;
  let lo = 0;
  let hi = seen.inos.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const ino = seen.inos[mid]!;
    if (ino < e.ino) lo = mid + 1;
    else if (ino > e.ino) hi = mid - 1;
    else return seen.secs[mid] === e.ctimeSec && seen.nsecs[mid] === e.ctimeNsec ? mid : -1;
  }
  return -1;
}

/** How many entries `seen` holds over all its devices. */
export function seenCount(seen: ReadonlyMap<number, Seen>): number {
  let n = 0;
  for (const s of seen.values()) n += s.inos.length;
  return n;
}

const CHUNK = 1 << 16;

/** Numbers appended in fixed-size typed chunks: no doubling slack, and no boxed numbers, on a million entries. */
export class Column {
  private readonly chunks: Float64Array[] = [];
  length = 0;

  push(value: number): void {
    if (this.length % CHUNK === 0) this.chunks.push(new Float64Array(CHUNK));
    this.chunks[this.chunks.length - 1]![this.length++ % CHUNK] = value;
  }

  at(i: number): number {
    return this.chunks[Math.floor(i / CHUNK)]![i % CHUNK]!;
  }
}

/** What a walk noted of one device, in walk order. */
export interface Noted {
  inos: Column;
  secs: Column;
  nsecs: Column;
}

/** The indexes 0..n-1 of `inos` in inode order: one native sort of (inode, index) packed exactly in a float64 where they fit. */
function inodeOrder(inos: Column): Uint32Array {
  const n = inos.length;
  const shift = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)));
  let fits = true;
  for (let i = 0; i < n && fits; i++) fits = inos.at(i) * shift < 2 ** 53;
  if (!fits) return Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => inos.at(a) - inos.at(b));
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = inos.at(i) * shift + i;
  keys.sort();
  return Uint32Array.from(keys, (key) => key % shift);
}

/** What was noted of one device, sorted by inode as the record keeps it. */
export function sortedSeen(noted: Noted): Seen {
  const order = inodeOrder(noted.inos);
  const n = order.length;
  const nsecs = new Uint32Array(n + (n % 2));
  order.forEach((from, to) => (nsecs[to] = noted.nsecs.at(from)));
  return { inos: Float64Array.from(order, (i) => noted.inos.at(i)), secs: Float64Array.from(order, (i) => noted.secs.at(i)), nsecs };
}
