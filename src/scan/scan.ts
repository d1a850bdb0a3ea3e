// The scan of an image's sources: the walk, its records and its shortcuts behind one call, answering with a fingerprint and how it knows it.
import { hostTree } from '../source/kinds.js';
import { workDirLayout } from '../layout/work-dir.js';
import { scanDirectories, scanMounted } from './walks.js';
import type { Scan, ScanRequest } from './request.js';
import { scanWithShortcut } from './shortcut.js';

/**
 * Directories are walked in place; in mtime mode a disk file counts by its identity (size, mtime, inode) and its
 * directory siblings are walked; checksum mode with disk files walks their filesystems mounted in the namespace worker.
 * A scan whose fingerprint is none the image records comes with its manifest (a build or a drift report needs it); one
 * that matches may have none, and ensureManifest makes it when a build follows anyway.
 */
export async function scanSources(request: ScanRequest): Promise<Scan> {
  if (request.compare === 'checksum' && request.sources.some((s) => hostTree(s) === null)) return scanMounted(request);
  const manifestFile = workDirLayout(request.workDir).manifest;
  const quick = await scanWithShortcut(request, (manifest) => {
    if (manifest) request.onLikelyBuild?.();
    return scanDirectories(request, manifest ? manifestFile : null);
  });
  const { recorded } = request;
  if (quick.manifest || quick.fingerprint === recorded.fingerprint || quick.fingerprint === recorded.held) return quick;
  // A change found by a walk that wrote no manifest (no record said a change was likely) costs a second walk, with it.
  const full = await scanDirectories(request, manifestFile);
  // The stream taken before the first walk vouches for the second only if both walks saw the same tree.
  return quick.stream && full.fingerprint === quick.fingerprint ? { ...full, stream: quick.stream } : full;
}
