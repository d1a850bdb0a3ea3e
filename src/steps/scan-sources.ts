// Fingerprints the resolved sources of an image for a module run: directories walked in place, disk files by identity (mtime) or walked inside a private mount (checksum).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isContentDiscardedIn } from '../cleanup/index.js';
import { identityBlock, identityLine } from '../fingerprint/disk-identity.js';
import { scanTrees, walkRoots, type ScanOptions, type SourceScan } from '../fingerprint/sources.js';
import type { WorkerEvent } from '../namespace/protocol.js';
import { runWorker } from '../namespace/run-worker.js';
import { hostTree, identityFiles } from '../source/kinds.js';
import type { ResolvedSource } from '../source/resolve.js';
import { workDirLayout } from '../layout/work-dir.js';
import { scanWithShortcut, type ShortcutOptions } from './walk-shortcut.js';

export interface SourceScanOptions extends Omit<ScanOptions, 'manifestFile' | 'contentDiscarded'> {
  /** The run's work dir: the manifest goes there, and the worker mounts disk sources under it. */
  workDir: string;
  /** Whether the build runs cleanup, whose emptied files' content the fingerprint then ignores. */
  cleanup: boolean;
  /** The recorded fingerprint: when the sources still match it, no manifest is written (nothing will be rebuilt or compared). */
  expected?: string | null;
  /** See ShortcutOptions.walkRecord: where a no-op may skip the walk. */
  walkRecord?: ShortcutOptions['walkRecord'];
  /** The run builds whatever the scan finds: a walk writes the manifest at once; a shortcut hit still writes none. */
  building?: boolean;
  /** See ShortcutOptions.trustRecord. */
  trustRecord?: boolean;
  /** See ShortcutOptions.held: a scan that finds it writes no manifest either. */
  held?: string | null;
  /** Called when a walk starts that will likely end in a build (the recorded stream moved, or building). */
  onLikelyBuild?: () => void;
}

/** A disk file's identity, and for a VM disk that of each backing file and extent it reads, in chain order. */
function identity(source: ResolvedSource): string {
  return identityBlock(identityFiles(source).map((file) => identityLine(file, fs.statSync(file, { bigint: true }))));
}

/**
 * In mtime mode a disk file counts by its identity (size, mtime, inode); its directory siblings are walked.
 * Checksum mode with disk files needs their filesystems mounted: scanTrees then runs in the namespace worker.
 */
export async function fingerprintSources(sources: ResolvedSource[], options: SourceScanOptions): Promise<SourceScan> {
  if (options.compare === 'checksum' && sources.some((s) => hostTree(s) === null)) return scanMounted(sources, options);
  const manifestFile = workDirLayout(options.workDir).manifest;
  const expected = options.expected ?? null;
  const quick = await scanWithShortcut(
    sources,
    options,
    expected,
    (manifest) => {
      if (manifest) options.onLikelyBuild?.();
      return scanDirectories(sources, options, manifest ? manifestFile : null);
    },
    options.building,
  );
  if (quick.digest === expected || quick.digest === options.held || quick.manifest) return quick;
  // A change found by a walk that wrote no manifest (no record said a change was likely) costs a second walk, with it.
  const full = await scanDirectories(sources, options, manifestFile);
  // The stream taken before the first walk vouches for the second only if both walks saw the same tree.
  return quick.stream && full.digest === quick.digest ? { ...full, stream: quick.stream } : full;
}

async function scanDirectories(sources: ResolvedSource[], options: SourceScanOptions, manifestFile: string | null): Promise<SourceScan> {
  const identities = sources.filter((s) => identityFiles(s).length > 0).map(identity);
  const roots = walkRoots(sources, (s) => hostTree(s) ?? '').filter((_, i) => hostTree(sources[i]!) !== null);
  const scan = await scanTrees(roots, {
    excludes: options.excludes,
    compare: options.compare,
    manifestFile,
    cacheFile: options.cacheFile,
    xattrs: options.xattrs,
    overlay: options.overlay,
    signal: options.signal,
    ...(options.cleanup ? { contentDiscarded: isContentDiscardedIn } : {}),
  });
  const digestOf = (fingerprint: string) => crypto.createHash('sha256').update(`${fingerprint}\n${identities.join('\n')}`).digest('hex');
  const digest = digestOf(scan.fingerprint);
  const diskTimes = sources.flatMap(identityFiles).map((file) => Math.floor(fs.statSync(file).mtimeMs / 1000));
  const earlier = (fingerprint: string): string => (fingerprint === scan.fingerprint ? digest : digestOf(fingerprint));
  return { digest, legacy: earlier(scan.legacy), unlinked: earlier(scan.unlinked), entries: scan.entries, racy: scan.racy, unsettled: scan.unsettled, identities, newest: Math.max(scan.newest, ...diskTimes), manifest: manifestFile !== null, overlayOnly: scan.overlayOnly, topSizes: identities.length > 0 ? null : scan.topSizes };
}

/** Mounts every source read-only in the private namespace and walks the filesystems inside the disk files. */
async function scanMounted(sources: ResolvedSource[], options: SourceScanOptions): Promise<SourceScan> {
  const { events } = await runWorker(
    {
      workDir: options.workDir,
      sources,
      overlay: false,
      cleanup: false,
      mksquashfs: null,
      kernel: null,
      // Inside disk images every entry's xattrs are read: inode numbers and ctimes from another machine's clock make no gate.
      scan: { excludes: options.excludes, cleanup: options.cleanup, cacheFile: options.cacheFile, xattrs: options.xattrs !== null, overlay: options.overlay },
    },
    options.signal,
  );
  const scan = events.find((e): e is Extract<WorkerEvent, { type: 'scan' }> => e.type === 'scan');
  if (!scan) throw new Error('the namespace worker did not report its scan');
  // Disk sources are always read through the overlay (when there is one): which route a direct read would need does not matter here.
  return { digest: scan.fingerprint, legacy: scan.legacy, unlinked: scan.unlinked, entries: scan.entries, racy: scan.racy, unsettled: scan.unsettled, identities: [], newest: scan.newest, manifest: true, overlayOnly: null, topSizes: scan.topSizes };
}
