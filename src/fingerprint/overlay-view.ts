// What a source read through overlayfs (every build but one with overlay: false) shows of what overlayfs keeps to itself, so the fingerprint counts exactly what the image will hold.
import os from 'node:os';
import { printablePath, type Entry } from './entry.js';

/** The names overlayfs keeps to itself (opaque and redirected dirs, copy-up origins, metacopy, whiteouts): it lists none of them. */
export const OVERLAY_PRIVATE = /^trusted\.overlay\./;

/** Leads the digest of attributes among which overlayfs keeps some to itself; the flags after it say which matter. */
const MARK = 'o';
const METACOPY = 'M';
const WHITEOUT = 'W';

/**
 * The digest of attributes some of which are overlay-private: the mark, a flag each for metacopy and whiteout,
 * the digest of them all (read without an overlay), a dot, and the digest of those the overlay lists (empty: none).
 * Both are kept, so the walk record holds whichever a later run's overlay setting needs.
 */
export function overlayDigest(names: readonly string[], all: string, listed: string | undefined): string {
  const flag = (name: string, letter: string): string => (names.includes(`trusted.overlay.${name}`) ? letter : '');
  return `${MARK}${flag('metacopy', METACOPY)}${flag('whiteout', WHITEOUT)}${all}.${listed ?? ''}`;
}

/** Whether an xattr digest covers an attribute overlayfs keeps to itself. */
export function overlayMarked(digest: string | undefined): boolean {
  return digest?.startsWith(MARK) === true;
}

/** Since Linux 6.7 an empty regular file with trusted.overlay.whiteout is a whiteout too (seen in any layer); before, it is a file. */
function xattrWhiteouts(): boolean {
  const [major = 0, minor = 0] = os.release().split('.').map((n) => parseInt(n, 10));
  return major > 6 || (major === 6 && minor >= 7);
}

/** A character device 0/0: overlayfs's whiteout. */
const isWhiteout = (e: Entry): boolean => e.type === 'c' && e.rdev === 0;

/**
 * How the entry reaches the image: null when overlayfs shows no such entry (a whiteout, a file marked metacopy,
 * which it refuses to open without metacopy=on, an empty file marked a whiteout), else the digest of the attributes
 * mksquashfs stores (undefined: none). Without an overlay, everything is read as it is.
 */
export function throughOverlay(e: Entry, digest: string | undefined, overlay: boolean): { xattrs: string | undefined } | null {
  if (!overlay) return { xattrs: digest };
  if (isWhiteout(e)) return null;
  if (!overlayMarked(digest)) return { xattrs: digest };
  const flags = digest!.slice(MARK.length, MARK.length + 2);
  if (e.type === 'f' && (flags.includes(METACOPY) || (flags.includes(WHITEOUT) && e.size === 0 && xattrWhiteouts()))) return null;
  const listed = digest!.slice(digest!.indexOf('.') + 1);
  return { xattrs: listed === '' ? undefined : listed };
}

/**
 * The first reason to read the source through the overlay rather than directly (see FingerprintResult.overlayOnly),
 * or null: a direct read would store what the overlay hides.
 */
export function overlayOnly(e: Entry, digest: string | undefined): string | null {
  if (isWhiteout(e)) return `${printablePath(e.path)} (an overlayfs whiteout)`;
  return overlayMarked(digest) ? `${printablePath(e.path)} (overlayfs attributes)` : null;
}
