// Walks an image's source trees into a fingerprint and manifest, and compares two manifests for the drift report.
import fs from 'node:fs';
import type { ResolvedSource } from '../source/resolve.js';
import { compileExcludes } from '../match/exclude-matcher.js';
import { sourceFileOf } from './disk-identity.js';
import { computeFingerprint } from './fingerprint.js';
import type { EarlierFormat } from './line-builder.js';
import type { FingerprintResult, FingerprintSource } from './walk-options.js';
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
  /** See FingerprintOptions.earlier. */
  earlier?: EarlierFormat | null;
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

export type ScannedTrees = Pick<FingerprintResult, 'fingerprint' | 'earlier' | 'entries' | 'racy' | 'unsettled' | 'newest' | 'overlayOnly' | 'topSizes'>;

/** Walks the trees given (directories, or mount points inside the namespace) and writes the manifest. */
export async function scanTrees(
  roots: FingerprintSource[],
  options: Omit<ScanOptions, 'signal' | 'manifestFile'> & { signal?: AbortSignal; manifestFile: string | null },
): Promise<ScannedTrees> {
  const { fingerprint, earlier, entries, racy, unsettled, newest, overlayOnly, topSizes } = await computeFingerprint({
    ...(options.signal ? { signal: options.signal } : {}),
    sources: roots,
    matcher: compileExcludes(options.excludes),
    mode: options.compare,
    manifestFile: options.manifestFile,
    ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}),
    ...(options.contentDiscarded ? { contentDiscarded: options.contentDiscarded } : {}),
    xattrs: options.xattrs,
    overlay: options.overlay,
    earlier: options.earlier ?? null,
  });
  return { fingerprint, earlier, entries, racy, unsettled, newest, overlayOnly, topSizes };
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
