// Condenses everything that ends up in the image into one sha256, so the module rebuilds only when the image would differ.
import { createHash, randomBytes } from 'node:crypto';
import { bytesOf, pathComponents } from './entry.js';
import { ChecksumCache, sha256File } from './checksum-cache.js';
import { fsPath, joinPath } from './listing.js';
import { LineBuilder } from './manifest-line.js';
import { GzipFileWriter } from './manifest.js';
import { mergeWalks } from './stack-merge.js';
import { walkTree } from './walk.js';
const FORMAT = 'ltsp-image-fingerprint 1';
/**
 * Walks the sources, writes one manifest line per image entry in path order and returns the
 * sha256 over them. Racily clean entries (git's term): a regular file whose mtime or ctime is
 * no older than one second before the scan started may be written again within the same
 * timestamp tick, after we looked, without its mtime or size changing. In mtime mode its line
 * gets a marker unique to this scan, so the next scan's line cannot equal it and the image is
 * rebuilt once the file has settled. In checksum mode its content was read, so the line is
 * exact; it is only kept out of the checksum cache.
 */
export async function computeFingerprint(options) {
    const { mode, contentDiscarded } = options;
    const hashFile = options.hashFile ?? sha256File;
    const start = (options.clock ?? Date.now)() - 1000;
    const cutSec = Math.floor(start / 1000);
    const cutNsec = (start - cutSec * 1000) * 1e6;
    const isRacy = (e) => e.mtimeSec > cutSec || (e.mtimeSec === cutSec && e.mtimeNsec >= cutNsec) || e.ctimeSec > cutSec || (e.ctimeSec === cutSec && e.ctimeNsec >= cutNsec);
    const marker = `\t!racy:${randomBytes(8).toString('hex')}`;
    const walks = options.sources.map((source) => walkTree(source.root, { matcher: options.matcher, prefix: source.prefix, hide: source.hide, lister: options.lister }));
    const roots = options.sources.map((source) => ({ root: bytesOf(source.root), prefix: pathComponents(source.prefix ?? '').join('/') }));
    const hash = createHash('sha256');
    const manifest = new GzipFileWriter(options.manifestFile);
    const cache = mode === 'checksum' && options.cacheFile ? ChecksumCache.open(options.cacheFile) : null;
    const result = { fingerprint: '', entries: 0, racy: 0, hashed: 0 };
    const facts = { mode, discarded: false };
    // The file a checksum-mode entry comes from: the last (topmost) source whose prefix holds it.
    const fileOf = (e) => {
        for (let i = roots.length - 1; i >= 0; i--) {
            const { root, prefix } = roots[i];
            if (prefix === '')
                return fsPath(joinPath(root, e.path));
            if (e.path.startsWith(`${prefix}/`))
                return fsPath(joinPath(root, e.path.slice(prefix.length + 1)));
        }
        throw new Error(`no source holds ${e.path}`);
    };
    const content = async (e) => {
        const known = await cache?.lookup(e);
        if (known)
            return known;
        result.hashed++;
        const sha = hashFile(fileOf(e));
        if (!isRacy(e))
            await cache?.remember(e, sha);
        return sha;
    };
    const lines = new LineBuilder();
    const flush = async () => {
        const chunk = lines.take();
        hash.update(chunk);
        await manifest.write(chunk);
    };
    try {
        lines.text(`${FORMAT} mode=${mode}\n`);
        for await (const batch of mergeWalks(walks)) {
            for (const e of batch) {
                facts.discarded = e.type === 'f' && contentDiscarded !== undefined && contentDiscarded(e.path);
                facts.content = mode === 'checksum' && e.type === 'f' && !facts.discarded && !e.mountPoint ? await content(e) : undefined;
                const racy = mode === 'mtime' && e.type === 'f' && !facts.discarded && isRacy(e);
                if (racy)
                    result.racy++;
                lines.add(e, facts, racy ? marker : '');
            }
            result.entries += batch.length;
            if (lines.size > 1 << 18)
                await flush();
        }
        await flush();
        await manifest.commit();
        await cache?.commit();
    }
    catch (error) {
        await manifest.abort();
        await cache?.abort();
        throw error;
    }
    result.fingerprint = hash.digest('hex');
    return result;
}
//# sourceMappingURL=fingerprint.js.map