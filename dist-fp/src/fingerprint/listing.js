import { Entry, splitNs } from './entry.js';
/** The tree changed under the walk (an entry appeared, vanished or changed type midway); a new walk will see it settled. */
export class TreeChangedError extends Error {
    constructor(detail) {
        super(`the source tree changed while it was being read: ${detail}`);
        this.name = 'TreeChangedError';
    }
}
const S_IFMT = 0o170000;
const TYPE_BITS = new Map([
    [0o100000, 'f'],
    [0o040000, 'd'],
    [0o120000, 'l'],
    [0o020000, 'c'],
    [0o060000, 'b'],
    [0o010000, 'p'],
    [0o140000, 's'],
]);
/** An Entry from lstat() results, or null for a file type mksquashfs ignores. */
export function entryFromStats(name, stats, dev, target) {
    const type = TYPE_BITS.get(Number(stats.mode) & S_IFMT);
    if (!type)
        return null;
    const [mtimeSec, mtimeNsec] = splitNs(stats.mtimeNs);
    const [ctimeSec, ctimeNsec] = splitNs(stats.ctimeNs);
    const entry = new Entry(name, type, Number(stats.mode) & 0o7777, Number(stats.uid), Number(stats.gid), Number(stats.size), mtimeSec, mtimeNsec, ctimeSec, ctimeNsec, dev, Number(stats.ino), target);
    if (type === 'c' || type === 'b')
        entry.rdev = Number(stats.rdev);
    return entry;
}
/** The byte path of a latin1 path string, for fs calls (a plain string would be re-encoded as UTF-8). */
export function fsPath(latin1) {
    return Buffer.from(latin1, 'latin1');
}
/** root + '/' + rel for latin1 paths, with '' meaning the root itself. */
export function joinPath(root, rel) {
    if (rel === '')
        return root;
    return root === '/' ? `/${rel}` : `${root}/${rel}`;
}
//# sourceMappingURL=listing.js.map