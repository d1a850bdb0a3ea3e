// What a fingerprint walk is given and what it finds: the contract between the walk and the scans that use it.
import type { ExcludeMatcher } from '../match/exclude-matcher.js';
import type { EarlierFormat } from './line-builder.js';
import type { FingerprintMode } from './manifest-line.js';
import type { XattrOptions } from './xattr-gate.js';

export interface FingerprintSource {
  /** The source directory. */
  root: string;
  /** Where it sits in the image ('' or unset for the image root; e.g. 'boot' for a stacked source). */
  prefix?: string;
  /** Image paths that later sources cover (see WalkOptions.hide). */
  hide?: readonly string[];
}

export interface FingerprintOptions {
  /** The image root first, then stacked sources, in mount order. */
  sources: readonly FingerprintSource[];
  matcher: ExcludeMatcher;
  mode: FingerprintMode;
  /** Where the manifest goes (gzip text, replaced atomically); null writes none (a no-op run needs only the fingerprint). */
  manifestFile: string | null;
  /** Checksum mode: where checksums are remembered between runs. Without it every file is read. */
  cacheFile?: string;
  /** True for regular files the build empties, by image directory and name (latin1 bytes; ASCII reads as usual). */
  contentDiscarded?: (dir: string, name: string) => boolean;
  /** Computes a file's content checksum (tests count the calls). */
  hashFile?: (path: Buffer, signal?: AbortSignal) => Promise<string>;
  /** Aborted on SIGTERM: the walk and the hashing stop at the next file or slice. */
  signal?: AbortSignal;
  /** Milliseconds since the epoch at the start of the scan (tests move it to control racy entries). */
  clock?: () => number;
  /** See WalkOptions.lister. */
  lister?: 'find' | 'node';
  /** How xattrs are read (see xattr-gate.ts); null compares none (mksquashfs_params has -no-xattrs). */
  xattrs: XattrOptions | null;
  /** The build reads the sources through overlayfs, which hides its whiteouts and private attributes (see overlay-view.ts). */
  overlay: boolean;
  /** Also compute the fingerprint as this earlier format did (FingerprintResult.earlier): only to upgrade a record made in it. */
  earlier?: EarlierFormat | null;
}

export interface FingerprintResult {
  /** sha256 (hex) over the manifest's lines. */
  fingerprint: string;
  /** The fingerprint as options.earlier's format computed it (the same when no entry has what it lacks); null when not asked. */
  earlier: string | null;
  /** Entries whose xattrs were read (the rest reused the last walk's record), and entries with xattrs. */
  xattrsRead: number;
  xattrEntries: number;
  /** Newest mtime (seconds) of the files and links the image will hold, for a reproducible mksquashfs -mkfs-time. */
  newest: number;
  entries: number;
  /** Entries marked racily clean (see below). */
  racy: number;
  /** Files whose content was read (checksum mode). */
  hashed: number;
  /** Regular files (either mode, cleanup's included) changed too recently to trust their stat line to show the next change. */
  unsettled: number;
  /**
   * The first image path that an overlay shows otherwise than the source itself, and why: a whiteout (character
   * device 0/0) or an overlay-private xattr, as in a container engine's layer directories. mksquashfs then reads
   * through the overlay, as the reference's build does, which hides them. null: none (or xattrs not read).
   */
  overlayOnly: string | null;
  /**
   * Bytes of the regular files under each top-level entry ("usr/", or a top-level file's own name), as the image will
   * hold them (what cleanup empties counts 0): the growth report's directories, summed here so a build need not list
   * the new image for them.
   */
  topSizes: Record<string, number>;
}
