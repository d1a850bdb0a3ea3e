// The text of one manifest line: an entry's path and a short digest of exactly the attributes that reach the image, so equal lines mean an equal image entry.
import type { Entry } from './entry.js';

export type FingerprintMode = 'mtime' | 'checksum';

/** How much of an entry a line records. */
export interface LineFacts {
  mode: FingerprintMode;
  /** The build empties this regular file, so only its existence, type, mode and owner count. */
  discarded: boolean;
  /** sha256 (hex) of a regular file's content, in checksum mode. */
  content?: string;
  /** Digest of the entry's xattrs (see xattrs.ts), when it has any mksquashfs stores. */
  xattrs?: string;
  /** The first path of the entry's inode, when another entry has it (see link-groups.ts). */
  link?: string;
}

// Two 32-bit murmur3-style lanes make a 64-bit digest: hashing numbers directly avoids building a string per entry.
let lane1 = 0;
let lane2 = 0;

function word(k: number): void {
  k = Math.imul(k, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  lane1 ^= k;
  lane1 = (Math.imul((lane1 << 13) | (lane1 >>> 19), 5) + 0xe6546b64) | 0;
  lane2 ^= Math.imul(k, 0x85ebca6b);
  lane2 = (Math.imul((lane2 << 17) | (lane2 >>> 15), 9) + 0x38b34ae5) | 0;
}

/** Any integer up to 2^53 in magnitude, negative ones included (pre-1970 times). */
function integer(n: number): void {
  word(n >>> 0);
  word(Math.floor(n / 4294967296) | 0);
}

/** A latin1 string, length first so that neighbouring strings cannot trade bytes. */
function text(s: string): void {
  word(s.length);
  for (let i = 0; i < s.length; i += 4) {
    word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  }
}

function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Mixes the entry's type, permission bits and owner, then per type: regular files their size
 * and (mtime mode) mtime or (checksum mode) content hash, symlinks their target, devices their
 * device number, and (mtime mode) the mtime of everything but directories; xattrs of all but mount points. A directory's size
 * and mtime only move when entries come and go: included ones show up as their own lines, and
 * excluded ones (tmp/*, home/* on a live system) must not force a rebuild. A mount point
 * records only that a directory is there (see Entry.mountPoint).
 */
function mix(e: Entry, facts: LineFacts): void {
  lane1 = 0x9747b28c;
  lane2 = 0x2f3c1b6d;
  word(e.type.charCodeAt(0));
  if (e.mountPoint) {
    word(0x6d6e74);
    return;
  }
  if (facts.discarded && e.type === 'f') word(0x646973);
  word(e.mode);
  integer(e.uid);
  integer(e.gid);
  // Only when there are some: a line without xattrs stays the line versions before xattrs were compared wrote.
  if (facts.xattrs !== undefined) {
    word(0x78617474);
    text(facts.xattrs);
  }
  if (facts.link !== undefined) {
    word(0x6c6e6b);
    text(facts.link);
  }
  if (facts.discarded && e.type === 'f') return;
  if (e.type === 'f') integer(e.size);
  if (e.type === 'l') text(e.target);
  if (e.type === 'c' || e.type === 'b') integer(e.rdev);
  if (facts.mode === 'mtime' && e.type !== 'd') {
    integer(e.mtimeSec);
    word(e.mtimeNsec);
  } else if (e.type === 'f') {
    text(facts.content ?? '');
  }
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Writes the entry's digest as 16 hex digits (64 bits: accidental collisions are out of reach,
 * and crafting one would take write access to the source, which decides the image anyway).
 */
export function writeDigest(e: Entry, facts: LineFacts, buf: Buffer, off: number): number {
  mix(e, facts);
  const a = avalanche(lane1 ^ lane2);
  const b = avalanche((lane2 + Math.imul(lane1, 0x27d4eb2f)) | 0);
  for (let shift = 28; shift >= 0; shift -= 4) buf[off++] = HEX[(a >>> shift) & 15]!;
  for (let shift = 28; shift >= 0; shift -= 4) buf[off++] = HEX[(b >>> shift) & 15]!;
  return off;
}

/** A path as it appears in a line: backslash, newline and tab escaped so lines stay lines. */
export function escapePath(path: string): string {
  return path.replace(/[\\\n\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\t'));
}

export function unescapePath(field: string): string {
  if (field.indexOf('\\') < 0) return field;
  return field.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** Splits a manifest line into its path and the rest (digest and any marker). */
export function splitLine(line: string): { path: string; value: string } {
  const tab = line.indexOf('\t');
  return { path: unescapePath(line.slice(0, tab)), value: line.slice(tab + 1) };
}
