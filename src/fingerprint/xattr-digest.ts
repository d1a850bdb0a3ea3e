// What of an entry's extended attributes reaches the image, condensed to one digest for its manifest line.
import crypto from 'node:crypto';
import { OVERLAY_PRIVATE, overlayDigest } from './overlay-view.js';

/** One attribute: its name's bytes (latin1) and its value. */
export interface Xattr {
  name: string;
  value: Buffer;
}

/** The namespaces mksquashfs 4.5 stores; it drops others (system.posix_acl_*) with "Unrecognised xattr prefix". */
const STORED = /^(user|trusted|security)\./;

/** The names of the attributes mksquashfs stores, sorted (as the digest below takes them). */
export function storedNames(attrs: readonly Xattr[]): string[] {
  return attrs.map((a) => a.name).filter((name) => STORED.test(name)).sort();
}

function hashAttrs(sorted: readonly Xattr[]): string {
  const hash = crypto.createHash('sha256');
  for (const { name, value } of sorted) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(name.length, 0);
    head.writeUInt32BE(value.length, 4);
    hash.update(head).update(name, 'latin1').update(value);
  }
  return hash.digest('hex');
}

/**
 * sha256 (hex) of the attributes mksquashfs stores, names and values sorted by name; undefined when there
 * are none, so an entry without any keeps the manifest line it always had. When one of them is overlay-private,
 * what overlayfs would show of them too (see overlayDigest), so that the walk record carries that as well.
 */
export function xattrDigest(attrs: readonly Xattr[]): string | undefined {
  const kept = attrs.filter((a) => STORED.test(a.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (kept.length === 0) return undefined;
  const all = hashAttrs(kept);
  const marks = kept.filter((a) => OVERLAY_PRIVATE.test(a.name));
  if (marks.length === 0) return all;
  const listed = kept.filter((a) => !OVERLAY_PRIVATE.test(a.name));
  return overlayDigest(
    marks.map((a) => a.name),
    all,
    listed.length > 0 ? hashAttrs(listed) : undefined,
  );
}
