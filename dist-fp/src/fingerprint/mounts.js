// Finds the mounts inside a source tree: the image is built through an overlay (or plain bind) whose lower layer never shows submounts, so a walk must not enter them.
import fs from 'node:fs';
/** mountinfo escapes space, tab, newline and backslash in paths as \ooo octal. */
function unescape(field) {
    return field.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
}
/**
 * Reads /proc/self/mountinfo for `root` (a real path as latin1 bytes, no trailing slash
 * except "/"). A mount point is found even when it sits on the same device as the root (a
 * bind mount), which a device comparison like find -xdev would miss; the overlay hides those too.
 */
export function mountsUnder(root) {
    const text = fs.readFileSync('/proc/self/mountinfo').toString('latin1');
    const base = root === '/' ? '/' : `${root}/`;
    const inside = new Set();
    let best = -1;
    let rootType = '';
    for (const line of text.split('\n')) {
        const fields = line.split(' ');
        const point = fields[4];
        if (point === undefined)
            continue;
        const path = unescape(point);
        const dash = fields.indexOf('-', 6);
        const type = dash > 0 ? (fields[dash + 1] ?? '') : '';
        if (path.startsWith(base) && path !== base)
            inside.add(path.slice(base.length));
        const holdsRoot = path === root || path === '/' || root.startsWith(`${path}/`);
        if (holdsRoot && path.length >= best) {
            best = path.length;
            rootType = type;
        }
    }
    return { inside, rootType };
}
// Filesystems where a directory's link count is 2 plus its subdirectories, so 2 means "no subdirectory".
const COUNTS_SUBDIRS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'tmpfs', 'btrfs', 'overlay', 'squashfs', 'f2fs', 'zfs']);
/**
 * Whether a directory link count of exactly 2 proves the directory has no subdirectory here.
 * btrfs (always 1) and overlay's merged directories (1) never say 2, so they stay safe.
 */
export function linkCountReliable(rootType) {
    return COUNTS_SUBDIRS.has(rootType);
}
//# sourceMappingURL=mounts.js.map