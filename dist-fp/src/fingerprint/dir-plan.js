// Decides, ahead of the listing, which directories a walk will enter and in what order, so find can be kept busy instead of waiting for each answer.
import fs from 'node:fs';
import { EXCLUDED } from './exclude-matcher.js';
import { fsPath, joinPath } from './listing.js';
/** Whether the walk enters this directory: it must agree exactly with the walker's own decision. */
export function entered(ctx, rel, path) {
    return !ctx.hidden.has(path) && !ctx.mounts.has(rel);
}
const byBytes = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function subdirectories(ctx, rel) {
    let entries;
    try {
        entries = fs.readdirSync(fsPath(joinPath(ctx.root, rel)), { withFileTypes: true, encoding: 'latin1' });
    }
    catch (error) {
        // A directory that vanished is the listing's to notice; the plan just has nothing below it.
        const code = error.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
            return [];
        throw error;
    }
    const names = [];
    for (const entry of entries)
        if (entry.isDirectory())
            names.push(entry.name);
    return names.sort(byBytes);
}
function isLeaf(ctx, rel) {
    if (!ctx.trustLinkCount)
        return false;
    const stats = fs.lstatSync(fsPath(joinPath(ctx.root, rel)), { throwIfNoEntry: false });
    return stats !== undefined && stats.isDirectory() && stats.nlink === 2;
}
const join = (base, name) => (base === '' ? name : `${base}/${name}`);
/**
 * Yields `top` and every directory below it that the walk enters, depth first with names in
 * byte order: the order in which the walker will take their listings. Reads only directory
 * names, and skips reading directories whose link count says they have no subdirectory.
 */
export function* planDirectories(ctx, top) {
    yield top;
    const stack = [{ dir: top, names: subdirectories(ctx, top.rel), next: 0 }];
    while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        const name = frame.names[frame.next++];
        if (name === undefined) {
            stack.pop();
            continue;
        }
        const { dir } = frame;
        const state = ctx.matcher.idle(dir.state) ? dir.state : ctx.matcher.child(dir.state, name);
        if (state === EXCLUDED)
            continue;
        const child = { rel: join(dir.rel, name), path: join(dir.path, name), state };
        if (!entered(ctx, child.rel, child.path))
            continue;
        yield child;
        if (!isLeaf(ctx, child.rel))
            stack.push({ dir: child, names: subdirectories(ctx, child.rel), next: 0 });
    }
}
//# sourceMappingURL=dir-plan.js.map