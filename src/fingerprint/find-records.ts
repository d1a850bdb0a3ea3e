// Parses what `find -printf FIND_FORMAT` writes, byte for byte, into directory blocks; kept apart because it runs once per entry and must stay allocation-light.
import { Entry, ENTRY_TYPES, type EntryType } from './entry.js';
import type { Block } from './listing.js';

/**
 * One NUL-terminated record per entry: depth (0 for the listed directory itself, which opens
 * its block; 1 for its children), type, octal mode, uid, gid, size, mtime and ctime as
 * seconds.fraction, link count, inode, then name and symlink target after '/'. Names never hold '/', so
 * the first two slashes are unambiguous; the target may hold anything but NUL.
 */
export const FIND_FORMAT = '%d %y %m %U %G %s %T@ %C@ %n %i/%f/%l\\0';

// Parsing works on the bytes in place: building a string per record first doubled the garbage per entry.
let at = 0;
let timeSec = 0;
let timeNsec = 0;

/** Reads a number in `base` ending at `stop` from buf[at]; leaves `at` after the stop byte. */
function readNumber(buf: Buffer, base: number, stop: number): number {
  let n = 0;
  let c: number;
  while ((c = buf[at++]!) !== stop) n = n * base + c - 48;
  return n;
}

/** Reads "[-]sec.fraction " (find prints tv_sec, then tv_nsec as a fraction of at least 9 digits). */
function readTime(buf: Buffer): void {
  const negative = buf[at] === 0x2d;
  if (negative) at++;
  const sec = readNumber(buf, 10, 0x2e);
  let nsec = 0;
  let digits = 0;
  let c: number;
  while ((c = buf[at++]!) !== 0x20) {
    if (digits++ < 9) nsec = nsec * 10 + c - 48;
  }
  for (; digits < 9; digits++) nsec *= 10;
  timeSec = negative ? -sec : sec;
  timeNsec = nsec;
}

const TYPE_BY_BYTE = new Map<number, EntryType>([...ENTRY_TYPES].map((t) => [t.charCodeAt(0), t as EntryType]));

/**
 * The entry in the record starting at `start`, or null for a type mksquashfs skips; leaves
 * `at` on the record's terminating NUL. The caller guarantees the record is complete.
 */
function parseRecord(buf: Buffer, start: number, dev: number): Entry | null {
  at = start + 4;
  const mode = readNumber(buf, 8, 0x20);
  const uid = readNumber(buf, 10, 0x20);
  const gid = readNumber(buf, 10, 0x20);
  const size = readNumber(buf, 10, 0x20);
  readTime(buf);
  const mtimeSec = timeSec;
  const mtimeNsec = timeNsec;
  readTime(buf);
  const nlink = readNumber(buf, 10, 0x20);
  const ino = readNumber(buf, 10, 0x2f);
  const nameStart = at;
  while (buf[at] !== 0x2f) at++;
  const name = buf.toString('latin1', nameStart, at);
  const targetStart = ++at;
  while (buf[at] !== 0) at++;
  const type = TYPE_BY_BYTE.get(buf[start + 2]!);
  if (!type) return null;
  const target = type === 'l' ? buf.toString('latin1', targetStart, at) : '';
  const entry = new Entry(name, type, mode, uid, gid, size, mtimeSec, mtimeNsec, timeSec, timeNsec, dev, ino, target);
  entry.nlink = nlink;
  return entry;
}

/** Turns one find process's output stream into complete blocks, in order. */
export class RecordParser {
  /** Complete blocks (a block ends where the next one starts, or at the end of output). */
  readonly blocks: Block[] = [];
  /** Entries in `blocks` and the open block. */
  entries = 0;
  /** Directories whose listing has begun to arrive. */
  headers = 0;
  private rest: Buffer | null = null;
  private open: Block | null = null;

  constructor(private readonly dev: number) {}

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    // Records up to the last NUL are complete; the rest waits for the next chunk.
    const last = buf.lastIndexOf(0);
    let start = 0;
    while (start <= last) {
      const header = buf[start] === 0x30;
      const entry = parseRecord(buf, start, this.dev);
      if (header) {
        // Only directories are requested, so a header find cannot type is a broken stream.
        if (!entry) throw new Error(`find printed an unreadable record: ${JSON.stringify(buf.toString('latin1', start, at))}`);
        if (this.open) this.blocks.push(this.open);
        this.open = { header: entry, children: [] };
        this.headers++;
      } else if (entry && this.open) {
        this.open.children.push(entry);
        this.entries++;
      }
      start = at + 1;
    }
    this.rest = start < buf.length ? buf.subarray(start) : null;
  }

  /** The output ended: the open block is complete. Throws if the stream stopped mid-record. */
  end(): void {
    if (this.rest) throw new Error('find output ended in the middle of a record');
    if (this.open) this.blocks.push(this.open);
    this.open = null;
  }

  /** Removes the first complete block. */
  shift(): Block | undefined {
    const block = this.blocks.shift();
    if (block) this.entries -= block.children.length;
    return block;
  }
}
