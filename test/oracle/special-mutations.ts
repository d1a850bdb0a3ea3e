// The oracle's changes beyond plain files and their attributes: device nodes and FIFOs, what overlayfs keeps to itself, the exclude settings and the TFTP pair.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ROUTES } from './excludes.js';
import type { Mutation } from './mutations.js';
import { setXattr, type World } from './world.js';

export function specialMutations(w: World): Mutation[] {
  const r = w.random;
  return [
    {
      name: 'device node or FIFO',
      weight: 1,
      apply: async () => {
        const rel = w.freshName(w.target, 'special');
        const kind = r.pick(['c', 'b', 'p'])!;
        await execa('mknod', kind === 'p' ? [w.abs(rel), 'p'] : [w.abs(rel), kind, String(1 + r.int(8)), String(r.int(8))]);
        return `${rel} ${kind}`;
      },
    },
    {
      name: 'device number changed (mode, owner and times kept)',
      weight: 1,
      apply: async () => {
        const item = r.pick(w.items().filter((i) => (i.stats.isCharacterDevice() || i.stats.isBlockDevice()) && i.stats.rdev !== 0));
        if (!item) return null;
        const { mode, uid, gid, atime, mtime } = item.stats;
        fs.rmSync(w.abs(item.rel));
        const numbers = [String(1 + r.int(8)), String(r.int(8))];
        await execa('mknod', ['-m', (mode & 0o7777).toString(8), w.abs(item.rel), item.stats.isCharacterDevice() ? 'c' : 'b', ...numbers]);
        fs.lchownSync(w.abs(item.rel), uid, gid);
        fs.utimesSync(w.abs(item.rel), atime, mtime);
        return `${item.rel} ${numbers.join(':')}`;
      },
    },
    {
      name: 'overlay whiteout (character device 0/0)',
      weight: 2,
      apply: async () => {
        const rel = w.freshName(w.target, 'whiteout');
        await execa('mknod', [w.abs(rel), 'c', '0', '0']);
        return rel;
      },
    },
    {
      name: 'overlay metacopy file, or empty file marked a whiteout',
      weight: 2,
      apply: async () => {
        const metacopy = r.next() < 0.5;
        const rel = w.freshName(w.target, metacopy ? 'metacopy' : 'xwhiteout');
        fs.writeFileSync(w.abs(rel), metacopy ? r.bytes(1 + r.int(40)) : '');
        await setXattr(w.abs(rel), metacopy ? 'trusted.overlay.metacopy' : 'trusted.overlay.whiteout', '');
        return rel;
      },
    },
    {
      name: 'overlay attribute set or removed (opaque, origin, metacopy, whiteout)',
      weight: 2,
      apply: async () => {
        const name = `trusted.overlay.${r.pick(['opaque', 'origin', 'metacopy', 'whiteout'])!}`;
        const marked = await w.having(name);
        if (marked.length > 0 && r.next() < 0.5) {
          const rel = r.pick(marked)!;
          return (await setXattr(w.abs(rel), name, null)) ? `${rel} -${name}` : null;
        }
        const item = r.pick(w.items().filter((i) => !i.stats.isSymbolicLink()));
        if (!item) return null;
        return (await setXattr(w.abs(item.rel), name, r.pick(['', 'y', 'x'])!)) ? `${item.rel} +${name}` : null;
      },
    },
    {
      name: 'excluded path included, or included path excluded',
      weight: 2,
      tree: false,
      apply: async () => {
        w.configMoved = true;
        return w.excludes.flip(r.pick(ROUTES)!);
      },
    },
    {
      name: 'TFTP kernel bytes',
      weight: 1,
      tree: false,
      apply: async () => {
        for (const dir of w.tftpDirs) fs.writeFileSync(path.join(dir, 'vmlinuz'), r.bytes(16));
        return 'vmlinuz';
      },
    },
    {
      name: 'TFTP kernel mode',
      weight: 1,
      tree: false,
      apply: async () => {
        const mode = r.pick([0o600, 0o640, 0o755])!;
        for (const dir of w.tftpDirs) fs.chmodSync(path.join(dir, 'vmlinuz'), mode);
        return mode.toString(8);
      },
    },
  ];
}
