// The xattr record's file (BASE/images/.NAME.xattrs) is read by every walk: a head it can check (schemas/formats/xattr_record.schema.json), and columns read straight into typed arrays.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { XattrRecord as RecordHead } from '../generated/formats/xattr_record.js';
import validateHead from '../generated/formats/xattr_record.validate.js';
import { writeFileAtomic } from '../fs/temp-file.js';
import type { Seen } from './xattr-columns.js';

// 6: the head is JSON, checked against its schema (5 and before: text lines).
const FORMAT: RecordHead['format'] = 'ltsp-image-xattrs 6';

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
  return crypto.createHash('sha256').update(JSON.stringify({ header: FORMAT, roots, devs })).digest('hex');
}

/** Bytes read at a time while looking for the end of the text part. */
const CHUNK = 1 << 16;

/**
 * The text part of the file (latin1): what is before its first empty line, or null when it has none. The end is
 * looked for a chunk at a time, then the text read whole: a million digest lines are held once, not also in chunks.
 */
function readText(fd: number, size: number): string | null {
  const chunk = Buffer.alloc(Math.min(CHUNK, size));
  let read = 0;
  let last = -1;
  while (read < size) {
    const got = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - read), read);
    if (got === 0) return null;
    const at = chunk.subarray(0, got).indexOf('\n\n');
    const end = last === 0x0a && chunk[0] === 0x0a ? read - 1 : at >= 0 ? read + at : -1;
    if (end >= 0 && read === 0) return chunk.toString('latin1', 0, end);
    if (end >= 0) {
      const text = Buffer.alloc(end);
      return fs.readSync(fd, text, 0, end, 0) === end ? text.toString('latin1') : null;
    }
    last = chunk[got - 1]!;
    read += got;
  }
  return null;
}

/**
 * The file: the head (one line of JSON), one line per entry with xattrs ("dev ino digest"), an empty line, and per
 * device of the head its sorted inodes, ctime seconds (float64) and nanoseconds (uint32, padded to 8 bytes),
 * little-endian, from the next multiple of 8 bytes to the end of the file. A million entries cost 20 MB, not twice
 * that. null for anything else, a record of another format or of other sources.
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
    const text = readText(fd, stats.size);
    if (text === null) return null;
    let at = Math.ceil((text.length + 2) / 8) * 8;
    const [json = '', ...lines] = text.split('\n');
    const head: unknown = JSON.parse(json);
    if (!validateHead(head)) return null;
    const { key: recorded, devices, digests } = head as RecordHead;
    if (recorded !== key || lines.length !== digests) return null;
    const record: XattrRecord = { key, seen: new Map(), digests: new Map() };
    for (const line of lines) {
      const fields = line.split(' ');
      if (fields.length !== 3 || fields[2] === '') return null;
      record.digests.set(`${fields[0]} ${fields[1]}`, fields[2]!);
    }
    const fill = <T extends Float64Array | Uint32Array>(array: T): T => {
      if (fs.readSync(fd, new Uint8Array(array.buffer), 0, array.byteLength, at) !== array.byteLength) throw new Error('short');
      at += array.byteLength;
      return array;
    };
    for (const { dev, entries } of devices) {
      if (record.seen.has(dev) || at + entries * 20 > stats.size) return null;
      record.seen.set(dev, { inos: fill(new Float64Array(entries)), secs: fill(new Float64Array(entries)), nsecs: fill(new Uint32Array(entries + (entries % 2))) });
    }
    return at === stats.size ? record : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `record` to `file` (atomically: a reader sees the old record or the new one), as readRecord() reads it. */
export function writeRecord(file: string, record: XattrRecord, walkStarted: number): void {
  const devices = [...record.seen].map(([dev, seen]) => ({ dev, entries: seen.inos.length }));
  const head: RecordHead = { format: FORMAT, key: record.key, walkStarted, devices, digests: record.digests.size };
  const text: string[] = [JSON.stringify(head)];
  for (const [where, digest] of record.digests) text.push(`${where} ${digest}`);
  const bytes = Buffer.from(`${text.join('\n')}\n\n`, 'latin1');
  const pad = Buffer.alloc(Math.ceil(bytes.length / 8) * 8 - bytes.length);
  const columns = [...record.seen.values()].flatMap((s) => [s.inos, s.secs, s.nsecs].map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)));
  writeFileAtomic(file, Buffer.concat([bytes, pad, ...columns]), 0o600);
}
