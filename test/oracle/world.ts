// The oracle's source trees on ext4 loop mounts: the source, a second stacked source (a directory or a raw ext4 disk file), a pool beside them (moves keep inodes and ctimes), and the settings a step may change.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Ext4Loop } from './ext4-loop.js';
import { Excludes } from './excludes.js';

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

/** Sets (a value) or removes (null) an xattr; false when the entry takes none (user.* on a symlink or device). There is no setfattr here: python3 is what the module reads them with. */
export async function setXattr(file: string, name: string, value: string | null): Promise<boolean> {
  const code = 'import os, sys\nf, n, v = sys.argv[1], sys.argv[2], sys.argv[3:]\nos.setxattr(f, n, v[0].encode(), follow_symlinks=False) if v else os.removexattr(f, n, follow_symlinks=False)';
  const done = await execa('python3', ['-c', code, file, name, ...(value === null ? [] : [value])], { reject: false });
  return done.exitCode === 0;
}

export const setUserXattr = (file: string, value: string | null): Promise<boolean> => setXattr(file, 'user.origin', value);

export const KERNEL = 'boot/vmlinuz-6.1.0-1-amd64';
export const INITRD = 'boot/initrd.img-6.1.0-1-amd64';
/** Where the second source is mounted in the image (`subdir=`); in the single layout, a plain directory of the source. */
export const MOUNT_POINT = 'mnt';
/** Entries a step may not move or remove: the kernel pair must stay findable, a source needs an etc, the excluded dirs and the mount point stay. */
const FIXED = new Set(['src/boot', `src/${KERNEL}`, `src/${INITRD}`, 'src/etc', 'src/opt', 'src/opt/hidden', `src/${MOUNT_POINT}`, `src/${MOUNT_POINT}/hidden`, 'stack/hidden', 'disk/hidden', 'disk/lost+found']);
/** Ten years back, for ctimes and mtimes older than any margin a cache might keep. */
export const PAST_SEC = Math.floor(Date.now() / 1000) - 10 * 365 * 86400;

/**
 * single: one directory source; stacked: a second directory source on the same filesystem, mounted at MOUNT_POINT
 * (moves between the two keep inodes); disk: a raw ext4 disk file there instead, as `name: "SRC,,DISK,subdir=mnt"`.
 */
export type Layout = 'single' | 'stacked' | 'disk';
export const LAYOUTS: readonly Layout[] = ['stacked', 'disk', 'single'];

/** src, pool and stack are on the oracle's filesystem; disk is the disk file's own. */
export type Top = 'src' | 'pool' | 'stack' | 'disk';

export interface Item {
  /** Its top, then the path under it. */
  rel: string;
  stats: fs.Stats;
}

export class World {
  /** Which of the sources' trees this step's change goes to (picked by mutateOnce). */
  target: Top = 'src';
  /** The exclude settings moved this step: a rebuild is then allowed to give the same image. */
  configMoved = false;
  /** A step wrote the disk file (so compare: mtime, which counts the disk by its identity, rebuilds). */
  diskWritten = false;

  constructor(
    readonly layout: Layout,
    readonly loop: Ext4Loop,
    /** The disk source's filesystem (disk layout), mounted read-only but while a step writes it. */
    readonly disk: Ext4Loop | null,
    readonly excludes: Excludes,
    readonly tftpDirs: readonly string[],
    readonly random: Random,
  ) {}

  /** The module's name option: the source, with the second source stacked at MOUNT_POINT. */
  get name(): string {
    const second = this.disk ? this.disk.file : this.layout === 'stacked' ? this.abs('stack') : null;
    return second ? `${this.abs('src')},,${second},subdir=${MOUNT_POINT}` : this.abs('src');
  }

  /** The tops whose trees reach the image. */
  get sourceTops(): Top[] {
    return ['src', ...(this.disk ? (['disk'] as const) : this.layout === 'stacked' ? (['stack'] as const) : [])];
  }

  abs(rel: string): string {
    if (this.disk && (rel === 'disk' || rel.startsWith('disk/'))) return path.join(this.disk.mountPoint, rel.slice(4));
    return path.join(this.loop.mountPoint, rel);
  }

  /** Every entry under `top`, the top itself left out. */
  items(top: Top = this.target): Item[] {
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
  movable(top: Top = this.target): Item[] {
    return this.items(top).filter((i) => !FIXED.has(i.rel));
  }

  files(top: Top = this.target): Item[] {
    return this.items(top).filter((i) => i.stats.isFile());
  }

  dirs(top: Top = this.target): string[] {
    return [top, ...this.items(top).filter((i) => i.stats.isDirectory()).map((i) => i.rel)];
  }

  /** Entries of the target tree that have `name` (user.origin, security.capability): what removing it can change. */
  async having(name: string): Promise<string[]> {
    const code = 'import os, sys\nfor line in sys.stdin.read().split("\\0")[:-1]:\n  if sys.argv[1] in os.listxattr(line, follow_symlinks=False): print(line)';
    const items = this.items().filter((i) => i.stats.isFile() || i.stats.isDirectory());
    const { stdout } = await execa('python3', ['-c', code, name], { input: items.map((i) => `${this.abs(i.rel)}\0`).join('') });
    const byAbs = new Map(items.map((i) => [this.abs(i.rel), i.rel]));
    return stdout.split('\n').filter(Boolean).map((file) => byAbs.get(file)!);
  }

  /** A name not yet taken in a random directory of `top`. */
  freshName(top: Top, stem: string): string {
    const dir = this.random.pick(this.dirs(top))!;
    for (;;) {
      const rel = `${dir}/${stem}${this.random.int(1000)}`;
      if (!fs.existsSync(this.abs(rel))) return rel;
    }
  }

  /** Sets the ctimes of entries of any top (each filesystem's through its debugfs). */
  async setCtimes(changes: ReadonlyArray<{ rel: string; sec: number; nsec: number }>): Promise<void> {
    const onDisk = (rel: string): boolean => this.disk !== null && rel.startsWith('disk/');
    await this.loop.setCtimes(changes.filter((c) => !onDisk(c.rel)));
    await this.disk?.setCtimes(changes.filter((c) => onDisk(c.rel)).map((c) => ({ ...c, rel: c.rel.slice(5) })));
  }

  /** Lets `apply` write the target tree: the disk is mounted read-write for it, and read-only again after. */
  async writing<T>(apply: () => Promise<T>): Promise<T> {
    if (this.target !== 'disk' || !this.disk) return apply();
    await this.disk.mount('rw');
    try {
      return await apply();
    } finally {
      this.diskWritten = true;
      await this.disk.mount('ro');
    }
  }

  /** A few files of each kind in `dir`, with a capability and a user xattr. */
  private async fill(dir: string): Promise<void> {
    const r = this.random;
    for (let i = 0; i < 3; i++) fs.writeFileSync(this.abs(`${dir}/f${i}`), r.bytes(1 + r.int(64)), { mode: 0o755 });
    await execa('setcap', ['cap_net_raw+ep', this.abs(`${dir}/f0`)]);
    await setUserXattr(this.abs(`${dir}/f1`), 'oracle');
  }

  /** Makes the starting trees: a few files, links and special files, xattrs and capabilities, and ctimes ten years old. */
  async populate(): Promise<void> {
    const layout = this.layout;
    const second = layout === 'stacked' ? ['stack', 'stack/hidden', 'stack/sub'] : layout === 'disk' ? ['disk/hidden', 'disk/sub'] : [];
    const dirs = ['src/boot', 'src/etc', 'src/usr/bin', 'src/usr/lib', 'src/opt/hidden/sub', `src/${MOUNT_POINT}/hidden`, 'pool/sub', ...second];
    if (this.disk) await this.disk.mount('rw');
    for (const dir of dirs) fs.mkdirSync(this.abs(dir), { recursive: true });
    const r = this.random;
    fs.writeFileSync(this.abs(`src/${KERNEL}`), r.bytes(4096));
    fs.writeFileSync(this.abs(`src/${INITRD}`), r.bytes(4096));
    fs.writeFileSync(this.abs('src/etc/hosts'), '127.0.0.1 localhost\n');
    for (const dir of dirs.filter((d) => !['src/boot', 'src/etc', 'stack'].includes(d))) await this.fill(dir);
    fs.linkSync(this.abs('src/usr/bin/f2'), this.abs('src/usr/bin/f2-link'));
    fs.symlinkSync('f0', this.abs('src/usr/bin/sym'));
    await execa('mkfifo', [this.abs('src/usr/lib/fifo')]);
    await execa('mknod', [this.abs('src/usr/lib/null'), 'c', '1', '3']);
    if (this.disk) await this.disk.mount('ro');
    const all = (['src', 'pool', ...this.sourceTops.slice(1)] as Top[]).flatMap((top) => this.items(top)).map((i) => i.rel);
    await this.setCtimes(all.map((rel) => ({ rel, sec: PAST_SEC, nsec: 1 + this.random.int(999_999_998) })));
  }
}
