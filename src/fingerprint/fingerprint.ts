// Condenses everything that ends up in the image into one sha256, so the module rebuilds only when the image would differ.
import { createHash, randomBytes } from 'node:crypto';
import { bytesOf, pathComponents, type Entry } from './entry.js';
import { ChecksumCache, sha256TreeFile } from './checksum-cache.js';
import { fsPath, joinPath, TreeChangedError } from './listing.js';
import type { LineFacts } from './manifest-line.js';
import { LineBuilder } from './line-builder.js';
import { headerLine } from './manifest-header.js';
import { racyTest } from './racy.js';
import { LinkGroups } from './link-groups.js';
import { GzipFileWriter } from './manifest.js';
import { mergeWalks } from './stack-merge.js';
import { walkTree } from './walk.js';
import { XattrBatches } from './xattr-batch.js';
import type { FingerprintOptions, FingerprintResult } from './walk-options.js';
import { overlayOnly, throughOverlay } from './overlay-view.js';

export type { FingerprintMode } from './manifest-line.js';

/** The key of an entry's top-level entry in topSizes; `dir` is the image path of the directory holding it. */
function topOf(dir: string, name: string): string {
  const slash = dir.indexOf('/');
  return Buffer.from(dir === '' ? name : `${slash < 0 ? dir : dir.slice(0, slash)}/`, 'latin1').toString('utf8');
}

/**
 * Walks the sources, writes one manifest line per image entry in path order and returns the
 * sha256 over them. Racily clean entries (git's term): a regular file whose mtime or ctime is
 * no older than the timestamp granularity before the scan started may be written again within the same
 * timestamp tick, after we looked, without its mtime or size changing. In mtime mode its line
 * gets a marker unique to this scan, so the next scan's line cannot equal it and the image is
 * rebuilt once the file has settled. Only regular files need this, since their mtime and size
 * stand in for content that was not read; a symlink's target or a directory's entries are
 * recorded as read. In checksum mode content is read, so lines are exact and racily clean files
 * are only kept out of the checksum cache. A walk that finds the tree changing under
 * it (TreeChangedError) starts over, up to three times.
 */
export async function computeFingerprint(options: FingerprintOptions): Promise<FingerprintResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await scan(options);
    } catch (error) {
      // A tree that keeps changing under three walks will not hold still for mksquashfs either.
      if (!(error instanceof TreeChangedError) || attempt >= 3) throw error;
    }
  }
}

async function scan(options: FingerprintOptions): Promise<FingerprintResult> {
  const { mode, contentDiscarded } = options;
  const hashFile = options.hashFile ?? sha256TreeFile;
  const started = (options.clock ?? Date.now)();
  const isRacy = racyTest(started);
  const marker = `\t!racy:${randomBytes(8).toString('hex')}`;
  const walks = options.sources.map((source) =>
    walkTree(source.root, { matcher: options.matcher, prefix: source.prefix, hide: source.hide, lister: options.lister }),
  );
  const roots = options.sources.map((source) => ({ root: bytesOf(source.root), prefix: pathComponents(source.prefix ?? '').join('/') }));
  const hash = createHash('sha256');
  const manifest = options.manifestFile === null ? null : new GzipFileWriter(options.manifestFile);
  const cache = mode === 'checksum' && options.cacheFile ? ChecksumCache.open(options.cacheFile) : null;
  const result: FingerprintResult = { fingerprint: '', earlier: null, newest: 0, entries: 0, racy: 0, hashed: 0, unsettled: 0, xattrsRead: 0, xattrEntries: 0, overlayOnly: null, topSizes: {} };
  const facts: LineFacts = { mode, discarded: false };
  // Entries come directory by directory: the top-level key is worked out once per directory.
  let lastDir: string | null = null;
  let lastTop = '';

  // The file a checksum-mode entry comes from: the last (topmost) source whose prefix holds it.
  const fileOf = (e: Entry): Buffer => {
    for (let i = roots.length - 1; i >= 0; i--) {
      const { root, prefix } = roots[i]!;
      if (prefix === '') return fsPath(joinPath(root, e.path));
      if (e.path.startsWith(`${prefix}/`)) return fsPath(joinPath(root, e.path.slice(prefix.length + 1)));
    }
    throw new Error(`no source holds ${e.path}`);
  };

  // A file the cache knows costs no promise: a no-op in checksum mode asks this for every file.
  const content = (e: Entry): string | Promise<string> => {
    const cached = cache?.lookup(e);
    if (typeof cached === 'string') {
      const kept = isRacy(e) ? undefined : cache!.keep();
      return kept ? kept.then(() => cached) : cached;
    }
    return (async () => {
      let sha = await cached;
      if (sha) {
        if (!isRacy(e)) await cache!.keep();
        return sha;
      }
      result.hashed++;
      sha = await hashFile(fileOf(e), options.signal);
      if (!isRacy(e)) await cache?.remember(e, sha);
      return sha;
    })();
  };

  const xattrs = options.xattrs ? new XattrBatches(options.xattrs, options.sources.map((s) => s.root), roots.map((r) => r.prefix), started) : null;
  const lines = new LineBuilder(options.earlier ?? null);
  const links = new LinkGroups();
  // Forked from the fingerprint's hash at the first chunk whose lines differ in the earlier format.
  let earlier = null as ReturnType<typeof createHash> | null;
  const flush = async (): Promise<void> => {
    const chunk = lines.take();
    if (chunk.earlier && chunk.earlier !== chunk.bytes) earlier ??= hash.copy();
    if (chunk.earlier) earlier?.update(chunk.earlier);
    hash.update(chunk.bytes);
    await manifest?.write(chunk.bytes);
  };
  try {
    lines.text(`${headerLine(mode)}\n`);
    for await (const batch of mergeWalks(walks)) {
      options.signal?.throwIfAborted();
      const digests = xattrs ? await xattrs.digests(batch, fileOf) : null;
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i]!;
        if (result.overlayOnly === null) result.overlayOnly = overlayOnly(e, digests?.[i]);
        const seen = throughOverlay(e, digests?.[i], options.overlay);
        if (!seen) continue;
        facts.xattrs = seen.xattrs;
        facts.discarded = e.type === 'f' && contentDiscarded !== undefined && contentDiscarded(e.dir, e.name);
        // A file the build empties is copied up by the overlay, out of its group: it neither leads nor joins one.
        facts.link = facts.discarded || e.mountPoint ? undefined : links.leaderOf(e);
        const sha = mode === 'checksum' && e.type === 'f' && !facts.discarded && !e.mountPoint ? content(e) : undefined;
        facts.content = typeof sha === 'object' ? await sha : sha;
        const racy = mode === 'mtime' && e.type === 'f' && !facts.discarded && isRacy(e);
        if (racy) result.racy++;
        if (e.type === 'f' && (racy || isRacy(e))) result.unsettled++;
        if (e.type !== 'd' && !facts.discarded && e.mtimeSec > result.newest) result.newest = e.mtimeSec;
        if (e.type === 'f' && !facts.discarded) {
          if (e.dir !== lastDir || e.dir === '') [lastDir, lastTop] = [e.dir, topOf(e.dir, e.name)];
          result.topSizes[lastTop] = (result.topSizes[lastTop] ?? 0) + e.size;
        }
        lines.add(e, facts, racy ? marker : '');
        result.entries++;
      }
      if (lines.size > 1 << 18) await flush();
    }
    await flush();
    await manifest?.commit();
    await cache?.commit();
    xattrs?.commit();
  } catch (error) {
    await manifest?.abort();
    await cache?.abort();
    throw error;
  } finally {
    xattrs?.close();
  }
  result.xattrsRead = xattrs?.read ?? 0;
  result.xattrEntries = xattrs?.found ?? 0;
  result.fingerprint = hash.digest('hex');
  result.earlier = options.earlier ? (earlier?.digest('hex') ?? result.fingerprint) : null;
  return result;
}
