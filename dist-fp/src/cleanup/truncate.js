import { inspect, listDirectory, skipReason, truncateRegular } from './tree-fs.js';
import { countedList, joinDetail } from './types.js';
const LOG_DIR = 'var/log';
// Truncated only when non-empty, as the reference tool does with `test -s`.
const SINGLE_FILES = ['etc/fstab', 'var/cache/debconf/passwords.dat'];
/**
 * What this step empties, glob-style and relative to the tree root: regular files at the top
 * level of var/log (not in its subdirectories), etc/fstab and debconf's password cache.
 * A fingerprint of the image source must ignore their contents or it would never match the image.
 */
export const CLEANUP_TRUNCATED = Object.freeze([`${LOG_DIR}/*`, ...SINGLE_FILES]);
// Walkers spell relative paths differently ("./etc/fstab", "/etc/fstab"); all mean the same tree entry.
function normalize(relPath) {
    let rel = relPath;
    while (rel.startsWith('./'))
        rel = rel.slice(2);
    return rel.replace(/^\/+/, '');
}
/**
 * True when this step discards the content of the regular file at `relPath` (relative to the
 * tree root): `var/log/NAME` with no further slash, `etc/fstab`, `var/cache/debconf/passwords.dat`.
 * Only the path is judged; the step itself leaves symlinks and other non-regular files alone.
 */
export function isContentDiscarded(relPath) {
    const rel = normalize(relPath);
    if (SINGLE_FILES.includes(rel))
        return true;
    if (!rel.startsWith(`${LOG_DIR}/`))
        return false;
    const name = rel.slice(LOG_DIR.length + 1);
    return name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}
function describeNonRegular(rel, dirent) {
    return dirent.isSymbolicLink() ? `skipped ${rel}: symlink` : `skipped ${rel}: not a regular file`;
}
// Only the top level: subdirectories of var/log are excluded from the image by mksquashfs, per the reference tool.
async function truncateLogs(root, tally) {
    const listing = await listDirectory(root, LOG_DIR);
    if (!Array.isArray(listing)) {
        const reason = skipReason(LOG_DIR, listing);
        if (reason !== '')
            tally.skipped.push(reason);
        return;
    }
    const entries = [...listing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of entries) {
        const rel = `${LOG_DIR}/${dirent.name}`;
        if (dirent.isDirectory())
            continue;
        if (!dirent.isFile()) {
            tally.skipped.push(describeNonRegular(rel, dirent));
            continue;
        }
        if (await truncateRegular(root, rel))
            tally.truncated.push(rel);
    }
}
async function truncateSingleFiles(root, tally) {
    for (const rel of SINGLE_FILES) {
        const entry = await inspect(root, rel);
        if (entry.kind === 'missing')
            continue;
        if (entry.kind !== 'regular') {
            tally.skipped.push(skipReason(rel, entry));
            continue;
        }
        if (await truncateRegular(root, rel))
            tally.truncated.push(rel);
    }
}
export async function truncateFiles(root) {
    const tally = { truncated: [], skipped: [] };
    await truncateLogs(root, tally);
    await truncateSingleFiles(root, tally);
    const summary = tally.truncated.length === 0
        ? 'nothing to truncate'
        : `truncated ${countedList(tally.truncated.length, 'file', 'files', tally.truncated)}`;
    return { changed: tally.truncated.length > 0, detail: joinDetail([summary, ...tally.skipped]) };
}
//# sourceMappingURL=truncate.js.map