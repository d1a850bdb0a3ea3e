// The oracle's source tree on its ext4 loop mount: the source, a pool beside it on the same filesystem (moves keep inodes and ctimes), and the settings a step may change.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Ext4Loop } from './ext4-loop.js';

/** A seeded generator (mulberry32): the same seed gives the same steps. */
export class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }
}

/** Sets (a value) or removes (null) user.origin; false when the entry takes none (a symlink or device on ext4). There is no setfattr here: python3 is what the module reads them with. */
export async function setUserXattr(file: string, value: string | null): Promise<boolean> {
  const code = 'import os, sys\nf, v = sys.argv[1], sys.argv[2:]\nos.setxattr(f, "user.origin", v[0].encode()) if v else os.removexattr(f, "user.origin")';
  const done = await execa('python3', ['-c', code, file, ...(value === null ? [] : [value])], { reject: false });
  return done.exitCode === 0;
}

export const KERNEL = 'boot/vmlinuz-6.1.0-1-amd64';
export const INITRD = 'boot/initrd.img-6.1.0-1-amd64';
/** Held out of the image while `excluded` is set (add_image_excludes). */
export const HIDDEN = 'opt/hidden';
/** Entries a step may not move or remove: the kernel pair must stay findable, and a source needs an etc. */
const FIXED = new Set(['boot', KERNEL, INITRD, 'etc', 'opt', HIDDEN]);
/** Ten years back, for ctimes and mtimes older than any margin a cache might keep. */
export const PAST_SEC = Math.floor(Date.now() / 1000) - 10 * 365 * 86400;

export interface Item {
  /** Relative to the mount point. */
  rel: string;
  stats: fs.Stats;
}

export class World {
  /** HIDDEN is excluded from the image (the setting flips, as an edited excludes list does). */
  excluded = true;
  /** The exclude setting moved this step: a rebuild is then allowed to give the same image. */
  configMoved = false;

  constructor(
    readonly loop: Ext4Loop,
    readonly tftpDirs: readonly string[],
    readonly random: Random,
  ) {}

  get root(): string {
    return this.loop.mountPoint;
  }

  /** The source directory (the image's root). */
  get source(): string {
    return path.join(this.root, 'src');
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Every entry under `top` ('src' or 'pool'), the top itself left out. */
  items(top: 'src' | 'pool'): Item[] {
    const out: Item[] = [];
    const walk = (rel: string): void => {
      for (const name of fs.readdirSync(this.abs(rel)).sort()) {
        const child = `${rel}/${name}`;
        const stats = fs.lstatSync(this.abs(child));
        out.push({ rel: child, stats });
        if (stats.isDirectory()) walk(child);
      }
    };
    walk(top);
    return out;
  }

  /** Entries a step may move or remove. */
  movable(top: 'src' | 'pool'): Item[] {
    return this.items(top).filter((i) => !FIXED.has(i.rel.replace(/^src\//, '')));
  }

  files(top: 'src' | 'pool' = 'src'): Item[] {
    return this.items(top).filter((i) => i.stats.isFile());
  }

  dirs(top: 'src' | 'pool'): string[] {
    return [top, ...this.items(top).filter((i) => i.stats.isDirectory()).map((i) => i.rel)];
  }

  /** Entries of the source that have `name` (user.origin, security.capability): what removing it can change. */
  async having(name: string): Promise<string[]> {
    const code = 'import os, sys\nfor line in sys.stdin.read().split("\\0")[:-1]:\n  if sys.argv[1] in os.listxattr(line, follow_symlinks=False): print(line)';
    const items = this.items('src').filter((i) => i.stats.isFile() || i.stats.isDirectory());
    const { stdout } = await execa('python3', ['-c', code, name], { input: items.map((i) => `${this.abs(i.rel)}\0`).join('') });
    return stdout.split('\n').filter(Boolean).map((file) => path.relative(this.root, file));
  }

  /** A name not yet taken in a random directory of `top`. */
  freshName(top: 'src' | 'pool', stem: string): string {
    const dir = this.random.pick(this.dirs(top))!;
    for (;;) {
      const rel = `${dir}/${stem}${this.random.int(1000)}`;
      if (!fs.existsSync(this.abs(rel))) return rel;
    }
  }

  /** The add_image_excludes of every run this step (the reference's too). */
  get excludes(): string {
    return this.excluded ? `${HIDDEN}/*` : '';
  }

  /** Makes the starting tree: a few files, links and special files, xattrs and capabilities, and ctimes ten years old. */
  async populate(): Promise<void> {
    for (const dir of ['src/boot', 'src/etc', 'src/usr/bin', 'src/usr/lib', `src/${HIDDEN}/sub`, 'pool/sub']) fs.mkdirSync(this.abs(dir), { recursive: true });
    const r = this.random;
    fs.writeFileSync(this.abs(`src/${KERNEL}`), r.bytes(4096));
    fs.writeFileSync(this.abs(`src/${INITRD}`), r.bytes(4096));
    fs.writeFileSync(this.abs('src/etc/hosts'), '127.0.0.1 localhost\n');
    for (const top of ['src/usr/bin', 'src/usr/lib', `src/${HIDDEN}`, `src/${HIDDEN}/sub`, 'pool', 'pool/sub']) {
      for (let i = 0; i < 3; i++) fs.writeFileSync(this.abs(`${top}/f${i}`), r.bytes(1 + r.int(64)), { mode: 0o755 });
      await execa('setcap', ['cap_net_raw+ep', this.abs(`${top}/f0`)]);
      await setUserXattr(this.abs(`${top}/f1`), 'oracle');
    }
    fs.linkSync(this.abs('src/usr/bin/f2'), this.abs('src/usr/bin/f2-link'));
    fs.symlinkSync('f0', this.abs('src/usr/bin/sym'));
    await execa('mkfifo', [this.abs('src/usr/lib/fifo')]);
    await execa('mknod', [this.abs('src/usr/lib/null'), 'c', '1', '3']);
    const all = [...this.items('src'), ...this.items('pool')].map((i) => i.rel);
    await this.loop.setCtimes(all.map((rel) => ({ rel, sec: PAST_SEC, nsec: 1 + this.random.int(999_999_998) })));
  }
}
