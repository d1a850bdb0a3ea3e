// What a scan is asked and what it answers: the one boundary between a run and the source walk, its records and its shortcuts.
import type { EarlierFormat } from '../fingerprint/line-builder.js';
import type { CompareMode } from '../fingerprint/sources.js';
import type { ResolvedSource } from '../source/kinds.js';

/**
 * What the caller does with the answer. 'compare' decides from it: a scan that matches a recorded fingerprint writes
 * no manifest. 'manifest' needs the manifest of whatever it finds (a build whose configuration changed, a forced one
 * that may not publish, ltsp_image_info's drift report): every walk writes it. 'forced' builds and publishes: it
 * may take the walk record's word, which the build then checks beside mksquashfs (Scan.stream.required).
 */
export type Intent = 'compare' | 'manifest' | 'forced';

/** What the image records of its builds: a scan that finds the sources as recorded can say so without a walk. */
export interface Recorded {
  /** The active build's fingerprint; null with no build record. */
  fingerprint: string | null;
  /** The active build's manifest (a path); it serves a build of the same fingerprint. */
  manifest: string | null;
  /** After a revert, the fingerprint of the build it moved away from (see store/hold.ts). */
  held: string | null;
  /** The active build was recorded before a fact was compared: the scan also takes the fingerprint as it did then (Scan.earlier). */
  earlier: EarlierFormat | null;
}

/** The files a scan reads and, in a run that may change things, writes. */
export interface Records {
  /** Checksum mode's cache of file checksums; null reads every file. */
  checksumCache: string | null;
  /** The walk record (walk-record.ts); null: every scan walks. */
  walkRecord: string | null;
  /** The xattr record (fingerprint/xattr-gate.ts), and where a new one is staged for the run to keep once it succeeds. */
  xattrRecord: { file: string; stagedTo: string } | null;
  /** Whether the scan may write them: never in check mode, nor from ltsp_image_info. */
  write: boolean;
}

export interface ScanRequest {
  sources: ResolvedSource[];
  excludes: string[];
  compare: CompareMode;
  /** The build runs cleanup, whose emptied files' content the fingerprint ignores. */
  cleanup: boolean;
  overlay: boolean;
  /** mksquashfs stores xattrs, so they are compared. */
  xattrs: boolean;
  /** The run's work dir: the manifest goes there, and the worker mounts disk sources under it. */
  workDir: string;
  records: Records;
  recorded: Recorded;
  intent: Intent;
  signal: AbortSignal;
  /** Called when a walk starts that will likely end in a build, so the build's worker can load meanwhile. */
  onLikelyBuild?: () => void;
}

/** How a scan knows its fingerprint. */
export type Vouched =
  /** A walk read the tree. */
  | 'walk'
  /** find's stat stream is the one a walk recorded (the no-op shortcut). */
  | 'stream'
  /** The walk record's word, taken by a forced build that checks the stream beside mksquashfs. */
  | 'record';

export interface Scan {
  fingerprint: string;
  /** The fingerprint as Recorded.earlier's format took it; null when not asked, or when no walk ran (the record vouched for a recorded fingerprint, which needs no earlier form). */
  earlier: string | null;
  vouched: Vouched;
  /** Whether the work dir holds this fingerprint's manifest (see ensureManifest). */
  manifest: boolean;
  entries: number;
  /** Regular files stamped too recently to trust their stat line (see fingerprint.ts): such a walk is not recorded. */
  unsettled: number;
  /** One line per disk or filesystem file compared by identity (mtime mode). */
  identities: string[];
  /** Newest mtime (seconds) of what the image holds: the image's time, so a rebuild of one source is byte-identical. */
  newest: number;
  /** See FingerprintResult.overlayOnly. */
  overlayOnly: string | null;
  /** See FingerprintResult.topSizes; null when the walk did not see all the image holds (a disk compared by identity). */
  topSizes: Record<string, number> | null;
  /** find's stream to take again beside the build (shortcut.ts); absent where no stream was read. */
  stream?: StreamCheck;
}

/** The stat stream a scan saw, checked again while mksquashfs runs, where it costs no time. */
export interface StreamCheck {
  /** The scan took the walk record's word without reading the tree: the build stands only if the stream has not moved. */
  required: boolean;
  /** Starts the stream once (later calls share it) and resolves whether it is still the one the scan saw; false once `signal` aborts it. */
  again(signal: AbortSignal): Promise<boolean>;
  /** After a build published: records the stream as the built fingerprint's (to be called only once again() said yes). */
  keep(): void;
}
