// Reading every entry's xattrs costs a walk as much again, so an entry the last walk saw with the same (device, inode, ctime) reuses what it found then: the kernel moves an entry's ctime on every xattr change.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Entry } from './entry.js';
import { writeFileAtomic } from '../store/temp-file.js';

// 4: every entry the walk saw is recorded (3 recorded only some, and took the rest for having none by their ctime).
const HEADER = 'ltsp-image-xattrs 4';

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
  walked: number;
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
 * The file: three text lines (header, key, walk start), then one line per device ("dev count"), one per entry
 * with xattrs ("dev ino digest"), an empty line, and per device its sorted inodes, ctime seconds (float64) and
 * nanoseconds (uint32), little-endian, from the next multiple of 8 bytes.
 */
export function readRecord(file: string, key: string): XattrRecord | null {
  let data: Buffer;
  try {
    // O_NOFOLLOW and a regular file only, as for every file of ours at a fixed name.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      data = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  const end = data.indexOf('\n\n');
  if (end < 0) return null;
  const [header, recordedKey, walked, ...lines] = data.toString('latin1', 0, end).split('\n');
  if (header !== HEADER || recordedKey !== key || !Number.isFinite(Number(walked))) return null;
  const record: XattrRecord = { key, walked: Number(walked), seen: new Map(), digests: new Map() };
  let at = Math.ceil((end + 2) / 8) * 8;
  for (const line of lines) {
    const fields = line.split(' ');
    if (fields.length === 3) {
      record.digests.set(`${fields[0]} ${fields[1]}`, fields[2]!);
      continue;
    }
    const [dev, count] = fields.map(Number) as [number, number];
    const bytes = count * 20 + ((count * 4) % 8);
    if (!Number.isSafeInteger(count) || count < 0 || at + bytes > data.length) return null;
    // Copied out: the file's buffer need not be aligned for typed arrays.
    const copy = <T extends Float64Array | Uint32Array>(array: T, from: number): T => {
      Buffer.from(array.buffer).set(data.subarray(from, from + array.byteLength));
      return array;
    };
    record.seen.set(dev, {
      inos: copy(new Float64Array(count), at),
      secs: copy(new Float64Array(count), at + count * 8),
      nsecs: copy(new Uint32Array(count), at + count * 16),
    });
    at += bytes;
  }
  return record;
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
  private readonly old: XattrRecord | null;
  private readonly settled: (e: Entry) => boolean;
  private readonly made = new Map<number, { inos: number[]; secs: number[]; nsecs: number[] }>();
  private readonly digests = new Map<string, string>();
  /** Every entry noted was in the old record as it is now. */
  private unchanged: boolean;
  private noted = 0;

  constructor(old: XattrRecord | null, private readonly key: string, private readonly now: number) {
    this.old = old;
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
    if (!this.settled(e)) {
      this.unchanged = false;
      return;
    }
    let seen = this.made.get(e.dev);
    if (!seen) this.made.set(e.dev, (seen = { inos: [], secs: [], nsecs: [] }));
    seen.inos.push(e.ino);
    seen.secs.push(e.ctimeSec);
    seen.nsecs.push(e.ctimeNsec);
    this.noted++;
    if (digest !== undefined) this.digests.set(`${e.dev} ${e.ino}`, digest);
    if (this.unchanged && (find(this.old!.seen.get(e.dev), e) < 0 || this.old!.digests.get(`${e.dev} ${e.ino}`) !== digest)) this.unchanged = false;
  }

  /** Writes the new record unless it holds exactly the old one's entries: a walk that found what the last one did leaves the file alone. */
  commit(file: string): void {
    const old = this.old;
    const count = (m: Map<number, Seen>): number => [...m.values()].reduce((n, s) => n + s.inos.length, 0);
    if (old && this.unchanged && count(old.seen) === this.noted && old.digests.size === this.digests.size) return;
    const text: string[] = [HEADER, this.key, String(this.now)];
    const arrays: Buffer[] = [];
    for (const [dev, seen] of this.made) {
      const order = Uint32Array.from(seen.inos.keys()).sort((a, b) => seen.inos[a]! - seen.inos[b]!);
      const n = order.length;
      const inos = new Float64Array(n);
      const secs = new Float64Array(n);
      const nsecs = new Uint32Array(n + ((n * 4) % 8) / 4);
      order.forEach((from, to) => {
        inos[to] = seen.inos[from]!;
        secs[to] = seen.secs[from]!;
        nsecs[to] = seen.nsecs[from]!;
      });
      text.push(`${dev} ${n}`);
      arrays.push(Buffer.from(inos.buffer), Buffer.from(secs.buffer), Buffer.from(nsecs.buffer));
    }
    for (const [where, digest] of this.digests) text.push(`${where} ${digest}`);
    const head = Buffer.from(`${text.join('\n')}\n\n`, 'latin1');
    const pad = Buffer.alloc(Math.ceil(head.length / 8) * 8 - head.length);
    writeFileAtomic(file, Buffer.concat([head, pad, ...arrays]), 0o600);
  }
}
