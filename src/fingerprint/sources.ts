// Walks an image's source trees into a fingerprint and manifest, and compares two manifests for the drift report.
import fs from 'node:fs';
import type { ResolvedSource } from '../source/resolve.js';
import { compileExcludes } from '../match/exclude-matcher.js';
import { sourceFileOf } from './disk-identity.js';
import { computeFingerprint, type FingerprintResult, type FingerprintSource } from './fingerprint.js';
import { DRIFT_PATHS, diffManifests, UnreadableManifestError } from './manifest.js';
import type { XattrOptions } from './xattr-gate.js';

export type CompareMode = 'mtime' | 'checksum';

export interface ScanOptions {
  excludes: string[];
  /** True for image paths (a walker's dir and name) whose content the build throws away (cleanup's emptied files): only their presence counts. */
  contentDiscarded?: (dir: string, name: string) => boolean;
  compare: CompareMode;
  manifestFile: string;
  cacheFile: string | null;
  /** See FingerprintOptions.xattrs. */
  xattrs: XattrOptions | null;
  /** See FingerprintOptions.overlay. */
  overlay: boolean;
  signal: AbortSignal;
  /** The recorded fingerprint: when the sources still match it, no manifest is written (nothing will be rebuilt or compared). */
  expected?: string | null;
}

export interface SourceScan {
  digest: string;
  /** The digest as versions before xattrs were compared computed it (see FingerprintResult.legacy). */
  legacy: string;
  /** The digest as versions before link groups were compared computed it (see FingerprintResult.unlinked). */
  unlinked: string;
  entries: number;
  racy: number;
  /** See FingerprintResult.unsettled. */
  unsettled: number;
  /** One line per disk or filesystem file compared by identity (mtime mode). */
  identities: string[];
  /** Newest mtime (seconds) among what the image will hold: the image's own time, so a rebuild of the same source is byte-identical. */
  newest: number;
  /** Whether options.manifestFile was written: not when the sources matched options.expected. */
  manifest: boolean;
  /** See FingerprintResult.overlayOnly. */
  overlayOnly: string | null;
  /** See FingerprintResult.topSizes; null when the walk did not see all the image will hold (a disk compared by identity). */
  topSizes: Record<string, number> | null;
  /** find's stream to take again beside the build (see steps/walk-shortcut.ts); absent where no stream was read. */
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

/** Counts and first paths of what changed (the results' `drift` has this shape; the schemas declare it for them). */
export interface Drift {
  added: number;
  removed: number;
  modified: number;
  added_paths: string[];
  removed_paths: string[];
  modified_paths: string[];
}

/** Image paths whose content a later stacked source covers. */
function hiddenBy(sources: ResolvedSource[], index: number): string[] {
  return sources.slice(index + 1).map((s) => s.subdir ?? '').filter(Boolean);
}

/** Where each source's tree is: itself for a directory, or the mount point made for it by the namespace worker. */
export function walkRoots(sources: ResolvedSource[], rootOf: (source: ResolvedSource, index: number) => string): FingerprintSource[] {
  return sources.map((source, index) => ({ root: rootOf(source, index), prefix: source.subdir ?? '', hide: hiddenBy(sources, index) }));
}

export type ScannedTrees = Pick<FingerprintResult, 'fingerprint' | 'legacy' | 'unlinked' | 'entries' | 'racy' | 'unsettled' | 'newest' | 'overlayOnly' | 'topSizes'>;

/** Walks the trees given (directories, or mount points inside the namespace) and writes the manifest. */
export async function scanTrees(
  roots: FingerprintSource[],
  options: Omit<ScanOptions, 'signal' | 'manifestFile'> & { signal?: AbortSignal; manifestFile: string | null },
): Promise<ScannedTrees> {
  const { fingerprint, legacy, unlinked, entries, racy, unsettled, newest, overlayOnly, topSizes } = await computeFingerprint({
    ...(options.signal ? { signal: options.signal } : {}),
    sources: roots,
    matcher: compileExcludes(options.excludes),
    mode: options.compare,
    manifestFile: options.manifestFile,
    ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}),
    ...(options.contentDiscarded ? { contentDiscarded: options.contentDiscarded } : {}),
    xattrs: options.xattrs,
    overlay: options.overlay,
  });
  return { fingerprint, legacy, unlinked, entries, racy, unsettled, newest, overlayOnly, topSizes };
}

export interface DriftInput {
  oldManifest: string;
  newManifest: string;
  oldIdentities?: string[];
  newIdentities?: string[];
  signal: AbortSignal;
  /** Told when the previous manifest is unreadable: the drift is then unknown (undefined), never a failure. */
  warn: (message: string) => void;
}

export async function manifestDrift(input: DriftInput): Promise<Drift | undefined> {
  const { oldManifest, newManifest, oldIdentities = [], newIdentities = [] } = input;
  let diff = null;
  try {
    diff = fs.existsSync(oldManifest) ? await diffManifests(oldManifest, newManifest, DRIFT_PATHS, input.signal) : null;
  } catch (error) {
    if (!(error instanceof UnreadableManifestError)) throw error;
    input.warn(error.message);
    return undefined;
  }
  const changedFiles = newIdentities.filter((line) => !oldIdentities.includes(line)).map((block) => `${sourceFileOf(block)} (disk image)`);
  return {
    added: diff?.added.count ?? 0,
    removed: diff?.removed.count ?? 0,
    modified: (diff?.modified.count ?? 0) + changedFiles.length,
    added_paths: diff?.added.paths ?? [],
    removed_paths: diff?.removed.paths ?? [],
    modified_paths: [...changedFiles, ...(diff?.modified.paths ?? [])].slice(0, DRIFT_PATHS),
  };
}
