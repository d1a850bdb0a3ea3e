// One walked directory entry: what mksquashfs copies into the image about it, in a form that keeps every byte of its name.

/** f regular file, d directory, l symlink, c/b character/block device, p FIFO, s socket (find's %y letters). */
export type EntryType = 'f' | 'd' | 'l' | 'c' | 'b' | 'p' | 's';

export const ENTRY_TYPES: ReadonlySet<string> = new Set(['f', 'd', 'l', 'c', 'b', 'p', 's']);

const NS_PER_SEC = 1_000_000_000n;

/**
 * Names and paths are latin1 strings: one char per byte of the on-disk name, so names that
 * are not UTF-8, or hold newlines, survive; Buffer.from(path, 'latin1') gives the bytes back.
 * Times are kept as seconds and nanoseconds (as stat returns them) so a walk allocates no bigint.
 */
export class Entry {
  /**
   * Image path of the directory holding the entry ('' at the top; set by the walker). Kept
   * apart from the name so siblings share one string and writers can copy it once per directory.
   */
  dir = '';
  /** Device number of c and b entries. */
  rdev = 0;
  /** st_nlink: above 1, other names may share the inode (see link-groups.ts). */
  nlink = 1;
  /**
   * A directory another filesystem is mounted on. The image holds the directory underneath,
   * empty, not what is mounted there; its attributes here belong to the mounted root. Or one a
   * later stacked source is mounted on: the image holds that source's root there, whose own walk
   * (or, for a disk not walked, the disk's identity) counts its attributes.
   */
  mountPoint = false;

  constructor(
    /** Last path component; for a walk's root, the last component of its prefix ('' for the image root). */
    public name: string,
    readonly type: EntryType,
    /** Permission bits with setuid, setgid and sticky (st_mode & 0o7777). */
    readonly mode: number,
    readonly uid: number,
    readonly gid: number,
    /** st_size; only meaningful for regular files and symlinks. */
    readonly size: number,
    readonly mtimeSec: number,
    readonly mtimeNsec: number,
    readonly ctimeSec: number,
    readonly ctimeNsec: number,
    /** Device of the walked source's filesystem (a walk never leaves it). */
    readonly dev: number,
    readonly ino: number,
    /** Symlink target (latin1 bytes); '' for anything else. */
    readonly target: string,
  ) {}

  /** Image-relative path without a leading slash; '' is the image root. */
  get path(): string {
    return this.dir === '' ? this.name : `${this.dir}/${this.name}`;
  }

  get mtimeNs(): bigint {
    return BigInt(this.mtimeSec) * NS_PER_SEC + BigInt(this.mtimeNsec);
  }

  get ctimeNs(): bigint {
    return BigInt(this.ctimeSec) * NS_PER_SEC + BigInt(this.ctimeNsec);
  }
}

/** Seconds and nanoseconds (0 <= nsec < 1e9) of a nanosecond count, as struct timespec holds them. */
export function splitNs(ns: bigint): [number, number] {
  let sec = ns / NS_PER_SEC;
  let nsec = ns % NS_PER_SEC;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS_PER_SEC;
  }
  return [Number(sec), Number(nsec)];
}

/**
 * Orders image paths component by component in byte order ("a" < "a/b" < "a-b"), the order
 * walks produce and manifests are sorted in: '/' ranks below every byte a name can hold.
 */
export function comparePaths(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

/** A latin1 byte path as readable text for messages: UTF-8 decoded, other bytes and control characters as \\xNN. */
export function printablePath(path: string): string {
  const bytes = Buffer.from(path, 'latin1');
  const text = bytes.toString('utf8');
  const escape = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    return [...bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : escape(b))).join('');
  }
  return text.replace(/[\x00-\x1f\x7f\\]/g, (c) => escape(c.charCodeAt(0)));
}

/** A latin1 byte string for a text (UTF-8) path given by a caller, e.g. a prefix or an option. */
export function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Components of a relative path given by a caller, without empty or "." parts. */
export function pathComponents(text: string): string[] {
  return bytesOf(text)
    .split('/')
    .filter((part) => part !== '' && part !== '.');
}
