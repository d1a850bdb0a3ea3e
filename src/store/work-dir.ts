// The per-run 0700 work dir: made fresh, and removed with rmdir only, so a leaked mount could never make us delete a source.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTempOf } from './temp-file.js';

export function makeWorkDir(dir: string, excludes: string[]): void {
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'excludes'), `${excludes.join('\n')}\n`, { mode: 0o600 });
}

/** Files we wrote are unlinked; directories are only rmdir'ed, never emptied recursively. */
export function removeWorkDir(dir: string): string | null {
  const files = ['excludes', 'excludes-direct', 'pseudo', 'manifest.gz', 'kernel/vmlinuz', 'kernel/initrd.img', ...manifestTemps(dir)];
  const dirs = ['kernel', 'root', 'direct', 'tmpfs', ...listLowerDirs(dir), ''];
  try {
    for (const file of files) fs.rmSync(path.join(dir, file), { force: true });
    for (const sub of dirs) {
      const target = path.join(dir, sub);
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
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 100) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** The manifest's temp file, left when a run was killed while it scanned. */
function manifestTemps(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => isTempOf(name, path.join(dir, 'manifest.gz')));
  } catch {
    return [];
  }
}

function listLowerDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => /^lower-\d+$/.test(name));
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
