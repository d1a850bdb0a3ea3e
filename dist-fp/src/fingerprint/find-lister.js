// Lists directories with find processes running beside Node: find stats entries in C faster than Node's lstat, and two of them use both CPUs while Node sorts and hashes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { FIND_FORMAT, RecordParser } from './find-records.js';
import { fsPath, joinPath, TreeChangedError } from './listing.js';
let supported;
/** Whether this find reads start points from stdin (-files0-from, findutils 4.9 and later). */
export function findCanList() {
    supported ??= spawnSync('find', ['-files0-from', '/dev/null', '-maxdepth', '0', '-printf', ''], { stdio: 'ignore' }).status === 0;
    return supported;
}
// Errors find may print that only mean an entry vanished between readdir and stat; mksquashfs skips those too.
const VANISHED = /No such file or directory$/;
export class FindLister {
    root;
    onStarve;
    starving = false;
    procs;
    order = [];
    head = 0;
    turn = 0;
    pending = [];
    /** `root` is the source's real path as latin1 bytes; `onStarve` lets the feeder know take() is waiting. */
    constructor(root, dev, onStarve, count = 2) {
        this.root = root;
        this.onStarve = onStarve;
        this.procs = Array.from({ length: count }, () => this.start(dev));
    }
    get buffered() {
        return this.procs.reduce((sum, p) => sum + p.parser.entries, 0);
    }
    submit(rel, name) {
        this.order.push({ proc: this.procs[this.turn], name, rel });
        this.pending.push(joinPath(this.root, rel));
    }
    async drain() {
        if (this.pending.length === 0)
            return;
        const proc = this.procs[this.turn];
        this.turn = (this.turn + 1) % this.procs.length;
        const data = fsPath(this.pending.join('\0') + '\0');
        this.pending = [];
        if (!proc.done && !proc.child.stdin.write(data)) {
            await Promise.race([new Promise((resolve) => proc.child.stdin.once('drain', resolve)), proc.closed]);
        }
    }
    end() {
        void this.drain();
        for (const proc of this.procs)
            proc.child.stdin.end();
    }
    async take() {
        const request = this.order[this.head];
        if (!request)
            throw new Error('take() without a submitted directory');
        this.order[this.head++] = undefined;
        const { proc } = request;
        while (proc.parser.blocks.length === 0) {
            if (proc.failure)
                throw proc.failure;
            if (proc.done)
                throw new TreeChangedError(`find never listed ${JSON.stringify(request.rel)}`);
            this.starving = true;
            this.onStarve();
            await new Promise((resolve) => (proc.wake = resolve));
        }
        this.starving = false;
        const block = proc.parser.shift();
        if (block.header.name !== request.name || block.header.type !== 'd') {
            throw new TreeChangedError(`expected directory ${JSON.stringify(request.rel)}, find listed ${JSON.stringify(block.header.name)}`);
        }
        for (const child of block.children) {
            // find has no format for device numbers, and devices are rare enough to stat again.
            if (child.type === 'c' || child.type === 'b') {
                child.rdev = Number(fs.lstatSync(fsPath(joinPath(joinPath(this.root, request.rel), child.name))).rdev);
            }
        }
        return block;
    }
    async finish() {
        await Promise.all(this.procs.map((p) => p.closed));
        for (const proc of this.procs) {
            if (proc.failure)
                throw proc.failure;
            const code = await proc.closed;
            const serious = proc.stderr.split('\n').filter((line) => line && !VANISHED.test(line));
            if (code !== 0 && (serious.length > 0 || proc.stderr === '')) {
                throw new Error(`find failed (exit ${code}): ${serious.join('; ') || 'no message'}`);
            }
        }
    }
    close() {
        for (const proc of this.procs)
            if (!proc.done)
                proc.child.kill('SIGKILL');
    }
    start(dev) {
        const args = ['-files0-from', '-', '-mindepth', '0', '-maxdepth', '1', '-printf', FIND_FORMAT];
        const child = spawn('find', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
        const proc = { child, parser: new RecordParser(dev), stderr: '', failure: null, done: false, closed: Promise.resolve(null), wake: null };
        const wake = () => {
            const resolve = proc.wake;
            proc.wake = null;
            resolve?.();
        };
        const fail = (error) => {
            proc.failure ??= error;
            wake();
        };
        proc.closed = new Promise((resolve) => {
            child.on('close', (code) => {
                proc.done = true;
                wake();
                resolve(code);
            });
        });
        child.on('error', fail);
        child.stdin.on('error', () => undefined);
        child.stderr.setEncoding('latin1');
        child.stderr.on('data', (text) => {
            if (proc.stderr.length < 65536)
                proc.stderr += text;
        });
        child.stdout.on('data', (chunk) => {
            try {
                proc.parser.push(chunk);
            }
            catch (error) {
                fail(error);
            }
            if (proc.parser.blocks.length > 0)
                wake();
        });
        child.stdout.on('end', () => {
            try {
                proc.parser.end();
            }
            catch (error) {
                fail(error);
            }
            wake();
        });
        return proc;
    }
}
//# sourceMappingURL=find-lister.js.map