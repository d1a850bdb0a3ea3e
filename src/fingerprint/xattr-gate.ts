// Reading every entry's xattrs costs a walk as much again, so an entry the last walk saw with the same (device, inode, ctime) reuses what it found then: the kernel moves an entry's ctime on every xattr change.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Entry } from './entry.js';
import { writeFileAtomic } from '../fs/temp-file.js';

// 5: a digest with overlay-private attributes says what overlayfs shows of them (4: every entry the walk saw is recorded; 3 recorded only some).
const HEADER = 'ltsp-image-xattrs 5';

/** An entry changed this recently may change again within the same ctime tick after it was read (git's racy entries): it is not recorded. */
const UNSETTLED_MS = 2000;

export interface XattrOptions {
  /** The per-image record of the last walk (BASE/images/.NAME.xattrs); null reads every entry (disk sources). */
  record: string | null;
  /** Whether this run may write the record (never in check mode or from ltsp_image_info). */
  write: boolean;
  /** Where the new record goes, when not over `record` itself: a module run stages it and keeps it only on success. */
  writeTo?: string;
}

/** The inodes of one device a walk saw, sorted, with the ctime each had then. */
interface Seen {
  inos: Float64Array;
  secs: Float64Array;
  nsecs: Uint32Array;
}

/** What the last walk found: every entry it saw settled, and the digest of those that had xattrs. */
export interface XattrRecord {
  key: string;
  /** By device, then inode (not path: the files of a renamed directory keep their ctimes and their xattrs). */
  seen: Map<number, Seen>;
  /** `dev ino` to the digest, for the entries that had xattrs. */
  digests: Map<string, string>;
}

/** The sources' roots and devices: an inode number means nothing on another filesystem. */
export function recordKey(roots: readonly string[]): string {
  const devs = roots.map((root) => String(fs.statSync(root, { bigint: true }).dev));
  return crypto.createHash('sha256').update(JSON.stringify({ header: HEADER, roots, devs })).digest('hex');
}

/** The index of `e` in `seen` when it was seen with this very ctime, else -1. */
function find(seen: Seen | undefined, e: Entry): number {
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

/**
 * The file: three text lines (header, key, walk start: for a person reading it), then one line per device ("dev count"), one per entry
 * with xattrs ("dev ino digest"), an empty line, and per device its sorted inodes, ctime seconds (float64) and
 * nanoseconds (uint32, padded to 8 bytes), little-endian, from the next multiple of 8 bytes. The columns are read
 * straight into typed arrays: a million entries cost 20 MB, not twice that.
 */
export function readRecord(file: string, key: string): XattrRecord | null {
  let fd: number;
  try {
    // O_NOFOLLOW and a regular file only, as for every file of ours at a fixed name.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return null;
    let head = Buffer.alloc(0);
    let end = -1;
    while (end < 0 && head.length < stats.size) {
      const more = Buffer.alloc(Math.min(1 << 16, stats.size - head.length));
      head = Buffer.concat([head, more.subarray(0, fs.readSync(fd, more, 0, more.length, head.length))]);
      end = head.indexOf('\n\n');
    }
    if (end < 0) return null;
    const [header, recordedKey, walked, ...lines] = head.toString('latin1', 0, end).split('\n');
    if (header !== HEADER || recordedKey !== key || !Number.isFinite(Number(walked))) return null;
    const record: XattrRecord = { key, seen: new Map(), digests: new Map() };
    let at = Math.ceil((end + 2) / 8) * 8;
    const fill = <T extends Float64Array | Uint32Array>(array: T): T => {
      if (fs.readSync(fd, new Uint8Array(array.buffer), 0, array.byteLength, at) !== array.byteLength) throw new Error('short');
      at += array.byteLength;
      return array;
    };
    for (const line of lines) {
      const fields = line.split(' ');
      if (fields.length === 3) {
        record.digests.set(`${fields[0]} ${fields[1]}`, fields[2]!);
        continue;
      }
      const [dev, count] = fields.map(Number) as [number, number];
      if (!Number.isSafeInteger(count) || count < 0 || at + count * 20 > stats.size) return null;
      record.seen.set(dev, { inos: fill(new Float64Array(count)), secs: fill(new Float64Array(count)), nsecs: fill(new Uint32Array(count + (count % 2))) });
    }
    return record;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const CHUNK = 1 << 16;

/** Numbers appended in fixed-size typed chunks: no doubling slack, and no boxed numbers, on a million entries. */
class Column {
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

/**
 * Decides per entry whether its xattrs must be read, and collects this walk's record. The record vouches only for
 * what the last walk saw: an entry with the same device, inode and ctime as then keeps the digest it had (none,
 * or the recorded one); anything else is read, whatever its ctime says: a path excluded then and included now, a
 * directory moved in from elsewhere on the same filesystem (a rename keeps its children's ctimes), a snapshot
 * rolled back. Only a change that leaves the ctime exactly as it was goes unseen (the clock stepped back to that
 * very tick, or debugfs). No record reads everything.
 */
export class XattrGate {
  private readonly settled: (e: Entry) => boolean;
  /** Per device: the inodes, ctime seconds and nanoseconds noted, in walk order; null when nothing will be written. */
  private readonly made: Map<number, { inos: Column; secs: Column; nsecs: Column }> | null;
  private readonly digests = new Map<string, string>();
  /** Every entry noted was in the old record as it is now. */
  private unchanged: boolean;
  private noted = 0;

  /** `collect`: whether commit() may follow (never in check mode): only then is what the walk saw kept. */
  constructor(
    private readonly old: XattrRecord | null,
    private readonly key: string,
    private readonly now: number,
    collect = true,
  ) {
    this.made = collect ? new Map() : null;
    this.unchanged = old !== null;
    // A ctime past the window's end was stamped while the clock ran ahead: a change from now on moves it all the same.
    this.settled = (e) => {
      const ms = e.ctimeSec * 1000 + e.ctimeNsec / 1e6;
      return ms < now - UNSETTLED_MS || ms > now + UNSETTLED_MS;
    };
  }

  /** 'read', or the recorded digest (undefined: no xattrs) of an entry the last walk saw as it is. */
  known(e: Entry): 'read' | string | undefined {
    if (!this.old || find(this.old.seen.get(e.dev), e) < 0) return 'read';
    return this.old.digests.get(`${e.dev} ${e.ino}`);
  }

  /** Notes an entry's digest (read or reused) for the new record, once it has settled. */
  note(e: Entry, digest: string | undefined): void {
    if (!this.made) return;
    if (!this.settled(e)) {
      this.unchanged = false;
      return;
    }
    let seen = this.made.get(e.dev);
    if (!seen) this.made.set(e.dev, (seen = { inos: new Column(), secs: new Column(), nsecs: new Column() }));
    seen.inos.push(e.ino);
    seen.secs.push(e.ctimeSec);
    seen.nsecs.push(e.ctimeNsec);
    this.noted++;
    if (digest !== undefined) this.digests.set(`${e.dev} ${e.ino}`, digest);
    if (this.unchanged && (find(this.old!.seen.get(e.dev), e) < 0 || this.old!.digests.get(`${e.dev} ${e.ino}`) !== digest)) this.unchanged = false;
  }

  /** Writes the new record unless it holds exactly the old one's entries: a walk that found what the last one did leaves the file alone. */
  commit(file: string): void {
    const { old, made } = this;
    if (!made) throw new Error('this walk kept no record to write');
    const count = (m: Map<number, Seen>): number => [...m.values()].reduce((n, s) => n + s.inos.length, 0);
    if (old && this.unchanged && count(old.seen) === this.noted && old.digests.size === this.digests.size) return;
    const text: string[] = [HEADER, this.key, String(this.now)];
    const arrays: Buffer[] = [];
    for (const [dev, seen] of made) {
      const order = inodeOrder(seen.inos);
      const n = order.length;
      const inos = Float64Array.from(order, (i) => seen.inos.at(i));
      const secs = Float64Array.from(order, (i) => seen.secs.at(i));
      const nsecs = new Uint32Array(n + (n % 2));
      order.forEach((from, to) => (nsecs[to] = seen.nsecs.at(from)));
      text.push(`${dev} ${n}`);
      arrays.push(Buffer.from(inos.buffer), Buffer.from(secs.buffer), Buffer.from(nsecs.buffer));
    }
    for (const [where, digest] of this.digests) text.push(`${where} ${digest}`);
    const head = Buffer.from(`${text.join('\n')}\n\n`, 'latin1');
    const pad = Buffer.alloc(Math.ceil(head.length / 8) * 8 - head.length);
    writeFileAtomic(file, Buffer.concat([head, pad, ...arrays]), 0o600);
  }
}
