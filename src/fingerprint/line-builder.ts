// Builds manifest lines straight into a buffer, and once per upgrade the same lines as the version that recorded the image wrote them.
import type { Entry } from './entry.js';
import { escapePath, writeDigest, type LineFacts } from './manifest-line.js';

/**
 * What an image recorded before a fact was compared lacks, so its fingerprint can be matched once (see scan/upgrade.ts):
 * 'xattrs' for records from before xattrs were compared (nor link groups), 'links' from before link groups were.
 */
export type EarlierFormat = 'xattrs' | 'links';

/** The bytes of some lines, and the same lines as the earlier format wrote them (the same buffer when none differs). */
export interface LineChunk {
  bytes: Buffer;
  earlier: Buffer | null;
}

/**
 * Assembles manifest lines as bytes ("path<TAB>digest[<TAB>marker]\n"), with each directory's path encoded once for
 * all its entries. Asked for an earlier format, a line with xattrs or a link group also keeps its digest without
 * them, so that an image recorded before they were compared can tell the upgrade from a change (see image/decide.ts).
 */
export class LineBuilder {
  private buf = Buffer.allocUnsafe(1 << 19);
  private off = 0;
  private dir: string | undefined;
  private dirBytes = Buffer.alloc(0);
  /** Where a line's digest is, and that digest in the earlier format. */
  private patches: Array<{ at: number; digest: Buffer }> = [];

  constructor(private readonly earlier: EarlierFormat | null) {}

  get size(): number {
    return this.off;
  }

  /** Appends raw latin1 text (the header line). */
  text(s: string): void {
    this.reserve(s.length);
    this.off += this.buf.write(s, this.off, 'latin1');
  }

  add(e: Entry, facts: LineFacts, marker: string): void {
    if (e.dir !== this.dir) {
      this.dir = e.dir;
      this.dirBytes = Buffer.from(e.dir === '' ? '' : `${escapePath(e.dir)}/`, 'latin1');
    }
    const { name } = e;
    const dir = this.dirBytes;
    this.reserve(dir.length + 2 * name.length + marker.length + 20);
    const buf = this.buf;
    buf.set(dir, this.off);
    const start = this.off + dir.length;
    let off = start;
    let special = false;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c === 0x5c || c === 0x0a || c === 0x09) special = true;
      buf[off++] = c;
    }
    if (special) off = start + buf.write(escapePath(name), start, 'latin1');
    buf[off++] = 0x09;
    const without = this.earlier === 'xattrs' ? facts.xattrs !== undefined || facts.link !== undefined : this.earlier === 'links' && facts.link !== undefined;
    if (without) {
      const digest = Buffer.alloc(16);
      writeDigest(e, { ...facts, ...(this.earlier === 'xattrs' ? { xattrs: undefined } : {}), link: undefined }, digest, 0);
      this.patches.push({ at: off, digest });
    }
    off = writeDigest(e, facts, buf, off);
    for (let i = 0; i < marker.length; i++) buf[off++] = marker.charCodeAt(i);
    buf[off++] = 0x0a;
    this.off = off;
  }

  /** The bytes so far; the builder starts over with a fresh buffer (the caller may keep these). */
  take(): LineChunk {
    const bytes = this.buf.subarray(0, this.off);
    let earlier: Buffer | null = this.earlier ? bytes : null;
    if (this.patches.length > 0) {
      earlier = Buffer.from(bytes);
      for (const patch of this.patches) patch.digest.copy(earlier, patch.at);
      this.patches = [];
    }
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.off = 0;
    return { bytes, earlier };
  }

  private reserve(bytes: number): void {
    if (this.off + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + bytes));
    this.buf.copy(bigger, 0, 0, this.off);
    this.buf = bigger;
  }
}
