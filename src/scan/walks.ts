// The two ways a scan walks: the host's trees in place (disk files by identity), or disk filesystems mounted in the namespace worker.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isContentDiscardedIn } from '../cleanup/index.js';
import { identityBlock, identityLine } from '../fingerprint/disk-identity.js';
import { scanTrees, walkRoots } from '../fingerprint/sources.js';
import type { XattrOptions } from '../fingerprint/xattr-gate.js';
import type { WorkerEvent } from '../namespace/protocol.js';
import { runWorker } from '../namespace/run-worker.js';
import { hostTree, identityFiles, type ResolvedSource } from '../source/kinds.js';
import type { Scan, ScanRequest } from './request.js';

/** A disk file's identity, and for a VM disk that of each backing file and extent it reads, in chain order. */
function identity(source: ResolvedSource): string {
  return identityBlock(identityFiles(source).map((file) => identityLine(file, fs.statSync(file, { bigint: true }))));
}

/** How xattrs are read: through the record beside the image (written only by a run that may), or not at all. */
function xattrOptions({ xattrs, records }: ScanRequest): XattrOptions | null {
  if (!xattrs) return null;
  const record = records.xattrRecord;
  return record ? { record: record.file, write: records.write, writeTo: record.stagedTo } : { record: null, write: false };
}

/** Walks the host trees; `manifestFile` null writes no manifest (a no-op needs only the fingerprint). */
export async function scanDirectories(request: ScanRequest, manifestFile: string | null): Promise<Scan> {
  const { sources } = request;
  const identities = sources.filter((s) => identityFiles(s).length > 0).map(identity);
  const roots = walkRoots(sources, (s) => hostTree(s) ?? '').filter((_, i) => hostTree(sources[i]!) !== null);
  const scan = await scanTrees(roots, {
    excludes: request.excludes,
    compare: request.compare,
    manifestFile,
    cacheFile: request.records.checksumCache,
    xattrs: xattrOptions(request),
    overlay: request.overlay,
    signal: request.signal,
    earlier: request.recorded.earlier,
    ...(request.cleanup ? { contentDiscarded: isContentDiscardedIn } : {}),
  });
  const digestOf = (fingerprint: string) => crypto.createHash('sha256').update(`${fingerprint}\n${identities.join('\n')}`).digest('hex');
  const fingerprint = digestOf(scan.fingerprint);
  const diskTimes = sources.flatMap(identityFiles).map((file) => Math.floor(fs.statSync(file).mtimeMs / 1000));
  const earlier = scan.earlier === null ? null : scan.earlier === scan.fingerprint ? fingerprint : digestOf(scan.earlier);
  const { entries, unsettled, overlayOnly } = scan;
  const topSizes = identities.length > 0 ? null : scan.topSizes;
  return { fingerprint, earlier, vouched: 'walk', manifest: manifestFile !== null, entries, unsettled, identities, newest: Math.max(scan.newest, ...diskTimes), overlayOnly, topSizes };
}

/** Mounts every source read-only in the private namespace and walks the filesystems inside the disk files. */
export async function scanMounted(request: ScanRequest): Promise<Scan> {
  const { excludes, cleanup, overlay, records } = request;
  const { events } = await runWorker(
    {
      workDir: request.workDir,
      sources: request.sources,
      overlay: false,
      cleanup: false,
      mksquashfs: null,
      kernel: null,
      // Inside disk images every entry's xattrs are read: inode numbers and ctimes from another machine's clock make no gate.
      scan: { excludes, cleanup, cacheFile: records.checksumCache, xattrs: request.xattrs, overlay, earlier: request.recorded.earlier },
    },
    request.signal,
  );
  const scan = events.find((e): e is Extract<WorkerEvent, { type: 'scan' }> => e.type === 'scan');
  if (!scan) throw new Error('the namespace worker did not report its scan');
  const { fingerprint, earlier, entries, unsettled, newest, topSizes } = scan;
  // Disk sources are always read through the overlay (when there is one): which route a direct read would need does not matter here.
  return { fingerprint, earlier, vouched: 'walk', manifest: true, entries, unsettled, identities: [], newest, overlayOnly: null, topSizes };
}
