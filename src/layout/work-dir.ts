// The per-run 0700 work dir: made fresh, and removed with rmdir only, so a leaked mount could never make us delete a source.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempsIn } from '../fs/temp-file.js';
import { hasCode } from '../core/errors.js';

/** Where everything of a run lives in its work dir: the one place that spells the layout. */
export interface WorkDirLayout {
  dir: string;
  /** The exclude list mksquashfs reads (-ef). */
  excludes: string;
  /** The fingerprint's manifest of this run's sources. */
  manifest: string;
  /** The walk's new xattr record, kept beside the image only when the run succeeds (a failed run changes nothing there). */
  xattrRecord: string;
  /** The image tree: the sources mounted (overlaid) at their subdirs; mksquashfs's input. */
  root: string;
  /** The kernel and initrd copied out of the tree, for the TFTP install after the namespace is gone. */
  kernel: { dir: string; vmlinuz: string; initrd: string };
  /** The overlay's tmpfs, holding each source's upper and work dirs. */
  tmpfs: string;
  upper(index: number): string;
  work(index: number): string;
  /** Mount point of a disk source before it is overlaid. */
  lower(index: number): string;
  /** mksquashfs's direct read of a lone directory source: its read-only bind mount, extra excludes and pseudo-file definitions. */
  direct: { root: string; excludes: string; pseudo: string };
  /** The boot check's client: our cpio archive, and QEMU's dir (its disk, initrd, snapshot overlay and the disk's staging dir). */
  boot: { archive: string; dir: string; disk: string; initrd: string; staging: string; stagedImages: string };
}

export function workDirLayout(dir: string): WorkDirLayout {
  const kernel = path.join(dir, 'kernel');
  const tmpfs = path.join(dir, 'tmpfs');
  const boot = path.join(dir, 'boot');
  const staging = path.join(boot, 'disk-root');
  return {
    dir,
    excludes: path.join(dir, 'excludes'),
    manifest: path.join(dir, 'manifest.gz'),
    xattrRecord: path.join(dir, 'xattrs'),
    root: path.join(dir, 'root'),
    kernel: { dir: kernel, vmlinuz: path.join(kernel, 'vmlinuz'), initrd: path.join(kernel, 'initrd.img') },
    tmpfs,
    upper: (index) => path.join(tmpfs, `upper-${index}`),
    work: (index) => path.join(tmpfs, `work-${index}`),
    lower: (index) => path.join(dir, `lower-${index}`),
    direct: { root: path.join(dir, 'direct'), excludes: path.join(dir, 'excludes-direct'), pseudo: path.join(dir, 'pseudo') },
    boot: {
      archive: path.join(dir, 'boot-check.cpio'),
      dir: boot,
      disk: path.join(boot, 'images.ext4'),
      initrd: path.join(boot, 'initrd'),
      staging,
      stagedImages: path.join(staging, 'images'),
    },
  };
}

export function makeWorkDir(dir: string, excludes: string[]): void {
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.writeFileSync(workDirLayout(dir).excludes, `${excludes.join('\n')}\n`, { mode: 0o600 });
}

/** Files we wrote are unlinked; directories are only rmdir'ed, never emptied recursively (the tmpfs's upper dirs go with its unmount). */
export function removeWorkDir(dir: string): string | null {
  const layout = workDirLayout(dir);
  const files = [layout.excludes, layout.direct.excludes, layout.direct.pseudo, layout.manifest, layout.xattrRecord, layout.kernel.vmlinuz, layout.kernel.initrd, ...manifestTemps(layout), ...tempsIn(layout.dir, (name) => name === path.basename(layout.xattrRecord)), ...bootTemps(layout)];
  const dirs = [layout.kernel.dir, layout.root, layout.direct.root, layout.tmpfs, ...lowerDirs(layout), layout.boot.stagedImages, layout.boot.staging, layout.boot.dir, dir];
  try {
    for (const file of files) fs.rmSync(file, { force: true });
    for (const target of dirs) {
      if (fs.existsSync(target)) rmdirWhenFree(target);
    }
    return null;
  } catch (error) {
    return `Could not remove the work dir ${dir}: ${(error as Error).message}`;
  }
}

/** A mount point of the worker's namespace stays busy for a moment after the worker exits, while the kernel tears it down. */
function rmdirWhenFree(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      if (!hasCode(error, 'EBUSY') || attempt >= 100) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** The manifest's temp file, left when a run was killed while it scanned. */
function manifestTemps(layout: WorkDirLayout): string[] {
  return tempsIn(layout.dir, (name) => name === path.basename(layout.manifest));
}

/** What a killed boot check may leave: the archive, QEMU's disk, initrd and `vl.XXXXXX` snapshot overlay, the staged image. */
function bootTemps(layout: WorkDirLayout): string[] {
  const { boot } = layout;
  return [
    boot.archive,
    boot.disk,
    boot.initrd,
    ...namesIn(boot.dir, (name) => /^vl\.[A-Za-z0-9]{6}$/.test(name)),
    ...namesIn(boot.stagedImages, (name) => name.endsWith('.img')),
  ];
}

function namesIn(dir: string, wanted: (name: string) => boolean): string[] {
  try {
    return fs.readdirSync(dir).filter(wanted).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** The lower mount points present: source N has one only when it is a disk, and there are fewer sources than entries (root is one too). */
function lowerDirs(layout: WorkDirLayout): string[] {
  try {
    const names = fs.readdirSync(layout.dir);
    return names.map((_, index) => layout.lower(index)).filter((dir) => names.includes(path.basename(dir)));
  } catch {
    return [];
  }
}

/** Names the image and its images dir: two base dirs may hold images of the same name, each under its own lock. */
export function workDirPrefix(imageName: string, imagesDir: string): string {
  const where = crypto.createHash('sha256').update(path.resolve(imagesDir)).digest('hex').slice(0, 8);
  return `ltsp-image.${imageName}.${where}.`;
}

export function newWorkDirPath(imageName: string, imagesDir: string): string {
  return path.join(os.tmpdir(), `${workDirPrefix(imageName, imagesDir)}${crypto.randomBytes(6).toString('hex')}`);
}

/** Work dirs of this image left by killed runs; only called under the image lock, when no other run can own one. Returns the problems. */
export function removeStaleWorkDirs(imageName: string, imagesDir: string): string[] {
  const prefix = workDirPrefix(imageName, imagesDir);
  return fs
    .readdirSync(os.tmpdir())
    .filter((n) => n.startsWith(prefix))
    .map((name) => removeWorkDir(path.join(os.tmpdir(), name)))
    .filter((problem): problem is string => problem !== null);
}

/** This process's start time (in clock ticks since boot), which a reused PID does not share. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const INFO_PREFIX = 'ltsp-image-info.';

/** ltsp_image_info takes no lock, so its work dir names its owner: PID and start time, to tell when the owner is gone. */
export function newInfoWorkDirPath(imageName: string): string {
  return path.join(os.tmpdir(), `${INFO_PREFIX}${imageName}.${process.pid}-${startTime(process.pid)}.${crypto.randomBytes(6).toString('hex')}`);
}

/** Info work dirs whose run was killed (its PID is gone or now another process's). Returns the problems. */
export function removeDeadInfoWorkDirs(): string[] {
  const problems: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(INFO_PREFIX))) {
    const owner = /\.(\d+)-(\d+)\.[0-9a-f]{12}$/.exec(name);
    if (!owner || startTime(Number(owner[1])) === owner[2]) continue;
    const problem = removeWorkDir(path.join(os.tmpdir(), name));
    if (problem) problems.push(problem);
  }
  return problems;
}
