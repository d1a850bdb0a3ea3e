// Fingerprints the resolved sources of an image: directories walked in place, disk files by identity (mtime) or walked inside a private mount (checksum).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkerEvent } from '../namespace/protocol.js';
import { runWorker } from '../namespace/run-worker.js';
import { isContentDiscardedIn } from '../cleanup/index.js';
import type { ResolvedSource } from '../source/resolve.js';
import { compileExcludes } from './exclude-matcher.js';
import { computeFingerprint, type FingerprintSource } from './fingerprint.js';
import { diffManifests, UnreadableManifestError } from './manifest.js';

export type CompareMode = 'mtime' | 'checksum';

export interface ScanOptions {
  excludes: string[];
  cleanup: boolean;
  compare: CompareMode;
  manifestFile: string;
  cacheFile: string | null;
  signal: AbortSignal;
  /** The recorded fingerprint: when the sources still match it, no manifest is written (nothing will be rebuilt or compared). */
  expected?: string | null;
}

export interface SourceScan {
  digest: string;
  entries: number;
  racy: number;
  /** One line per disk or filesystem file compared by identity (mtime mode). */
  identities: string[];
  /** Newest mtime (seconds) among what the image will hold: the image's own time, so a rebuild of the same source is byte-identical. */
  newest: number;
  /** Whether options.manifestFile was written: not when the sources matched options.expected. */
  manifest: boolean;
}

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

function identity(source: ResolvedSource): string {
  const stat = fs.statSync(source.path, { bigint: true });
  return `${source.path}\tsize=${stat.size} mtime=${stat.mtimeNs} ino=${stat.ino} dev=${stat.dev}`;
}

/** Walks the trees given (directories, or mount points inside the namespace) and writes the manifest. */
export async function scanTrees(
  roots: FingerprintSource[],
  options: Omit<ScanOptions, 'signal' | 'manifestFile'> & { signal?: AbortSignal; manifestFile: string | null },
): Promise<{ fingerprint: string; entries: number; racy: number; newest: number }> {
  return computeFingerprint({
    ...(options.signal ? { signal: options.signal } : {}),
    sources: roots,
    matcher: compileExcludes(options.excludes),
    mode: options.compare,
    manifestFile: options.manifestFile,
    ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}),
    ...(options.cleanup ? { contentDiscarded: isContentDiscardedIn } : {}),
  });
}

/**
 * In mtime mode a disk file counts by its identity (size, mtime, inode); its directory siblings are walked.
 * Checksum mode with disk files needs their filesystems mounted: the caller runs scanTrees in the namespace worker.
 */
export async function fingerprintSources(sources: ResolvedSource[], options: ScanOptions): Promise<SourceScan> {
  if (options.compare === 'checksum' && sources.some((s) => s.kind !== 'directory')) return scanMounted(sources, options);
  if (options.expected) {
    // A change costs a second walk, which writes the manifest; the rebuild that follows costs far more.
    const quick = await scanDirectories(sources, { ...options, manifestFile: null });
    if (quick.digest === options.expected) return quick;
  }
  return scanDirectories(sources, options);
}

async function scanDirectories(sources: ResolvedSource[], options: Omit<ScanOptions, 'manifestFile'> & { manifestFile: string | null }): Promise<SourceScan> {
  const walked = sources.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'directory');
  const identities = sources.filter((s) => s.kind !== 'directory').map(identity);
  const roots = walkRoots(sources, (s) => s.path).filter((_, i) => walked.some((w) => w.i === i));
  const scan = await scanTrees(roots, options);
  const digest = crypto.createHash('sha256').update(`${scan.fingerprint}\n${identities.join('\n')}`).digest('hex');
  const diskTimes = sources.filter((s) => s.kind !== 'directory').map((s) => Math.floor(fs.statSync(s.path).mtimeMs / 1000));
  return { digest, entries: scan.entries, racy: scan.racy, identities, newest: Math.max(scan.newest, ...diskTimes), manifest: options.manifestFile !== null };
}

/** Mounts every source read-only in the private namespace and walks the filesystems inside the disk files. */
async function scanMounted(sources: ResolvedSource[], options: ScanOptions): Promise<SourceScan> {
  const workDir = path.dirname(options.manifestFile);
  const { events } = await runWorker(
    {
      workDir,
      sources,
      overlay: false,
      cleanup: false,
      mksquashfs: null,
      kernel: null,
      scan: { excludes: options.excludes, cleanup: options.cleanup, cacheFile: options.cacheFile },
    },
    options.signal,
  );
  const scan = events.find((e): e is Extract<WorkerEvent, { type: 'scan' }> => e.type === 'scan');
  if (!scan) throw new Error('the namespace worker did not report its scan');
  return { digest: scan.fingerprint, entries: scan.entries, racy: scan.racy, identities: [], newest: scan.newest, manifest: true };
}

export interface DriftInput {
  oldManifest: string;
  newManifest: string;
  limit: number;
  oldIdentities?: string[];
  newIdentities?: string[];
  signal: AbortSignal;
  /** Told when the previous manifest is unreadable: the drift is then unknown (undefined), never a failure. */
  warn: (message: string) => void;
}

export async function manifestDrift(input: DriftInput): Promise<Drift | undefined> {
  const { oldManifest, newManifest, limit, oldIdentities = [], newIdentities = [] } = input;
  let diff = null;
  try {
    diff = fs.existsSync(oldManifest) ? await diffManifests(oldManifest, newManifest, limit, input.signal) : null;
  } catch (error) {
    if (!(error instanceof UnreadableManifestError)) throw error;
    input.warn(error.message);
    return undefined;
  }
  const changedFiles = newIdentities.filter((line) => !oldIdentities.includes(line)).map((line) => `${line.split('\t')[0]} (disk image)`);
  return {
    added: diff?.added.count ?? 0,
    removed: diff?.removed.count ?? 0,
    modified: (diff?.modified.count ?? 0) + changedFiles.length,
    added_paths: diff?.added.paths ?? [],
    removed_paths: diff?.removed.paths ?? [],
    modified_paths: [...changedFiles, ...(diff?.modified.paths ?? [])].slice(0, limit),
  };
}
