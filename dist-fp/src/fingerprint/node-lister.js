// Lists directories with plain fs calls: the fallback where find cannot read start points from stdin (findutils before 4.9), and a second opinion in tests.
import fs from 'node:fs';
import { entryFromStats, fsPath, joinPath, TreeChangedError } from './listing.js';
export class NodeLister {
    root;
    dev;
    buffered = 0;
    starving = false;
    queue = [];
    head = 0;
    /** `root` is the source's real path as latin1 bytes. */
    constructor(root, dev) {
        this.root = root;
        this.dev = dev;
    }
    submit(rel, name) {
        this.queue.push({ rel, name });
    }
    async drain() {
        // Listing happens in take(); nothing runs ahead.
    }
    end() {
        // Nothing runs in the background.
    }
    async take() {
        const request = this.queue[this.head];
        if (!request)
            throw new Error('take() without a submitted directory');
        this.queue[this.head++] = undefined;
        const dir = joinPath(this.root, request.rel);
        const stats = fs.lstatSync(fsPath(dir), { bigint: true, throwIfNoEntry: false });
        const header = stats && entryFromStats(request.name, stats, this.dev, '');
        if (!header || header.type !== 'd')
            throw new TreeChangedError(`directory ${JSON.stringify(request.rel)} is gone`);
        let names;
        try {
            names = fs.readdirSync(fsPath(dir), { encoding: 'latin1' });
        }
        catch (error) {
            if (error.code === 'ENOENT')
                throw new TreeChangedError(`directory ${JSON.stringify(request.rel)} is gone`);
            throw error;
        }
        const children = [];
        for (const name of names) {
            const path = fsPath(joinPath(dir, name));
            // Like mksquashfs, an entry that vanished between readdir and lstat is simply not there.
            const child = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
            if (!child)
                continue;
            const target = child.isSymbolicLink() ? readTarget(path) : '';
            if (target === null)
                continue;
            const entry = entryFromStats(name, child, this.dev, target);
            if (entry)
                children.push(entry);
        }
        return { header, children };
    }
    async finish() {
        // Errors surface from take() directly.
    }
    close() {
        // Nothing to stop.
    }
}
function readTarget(path) {
    try {
        return fs.readlinkSync(path, { encoding: 'latin1' });
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return null;
        throw error;
    }
}
//# sourceMappingURL=node-lister.js.map