// Temp files beside their target get unpredictable names created with O_EXCL|O_NOFOLLOW: whoever can write the directory can plant nothing we follow or reuse.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crashPoint } from '../core/crashpoint.js';
import { hasCode } from '../core/errors.js';

/** Create only, never through a symlink, never an existing entry. */
export const EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

const TEMP = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

/** DIR/.BASENAME.<12 random hex>.tmp: the one shape of every temp file we create beside a target. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Our temp files in `dir` (see tempPathFor) whose target's basename `isTarget` accepts, as paths: the one reader of that shape. */
export function tempsIn(dir: string, isTarget: (basename: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => isTarget(TEMP.exec(name)?.[1] ?? '')).map((name) => path.join(dir, name));
}

/**
 * Removes the temps of `target` that killed runs left (a live writer's is milliseconds old): regular files only,
 * since whoever can write the directory could have planted anything under that name.
 */
export function removeStaleTemps(target: string, olderThanMs: number): void {
  for (const temp of tempsIn(path.dirname(target), (name) => name === path.basename(target))) {
    const stat = fs.lstatSync(temp, { throwIfNoEntry: false });
    if (stat?.isFile() && Date.now() - stat.mtimeMs > olderThanMs) fs.rmSync(temp, { force: true });
  }
}

/** Writes `data` to a fresh temp file, flushes it to disk and renames it over `target`; the temp goes on failure. */
export function writeFileAtomic(target: string, data: string | Buffer, mode: number): void {
  const temp = tempPathFor(target);
  try {
    const fd = fs.openSync(temp, EXCLUSIVE, mode);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    crashPoint(`${path.basename(target)} written`);
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** Copies `from` into a fresh temp file beside `target`, flushed, and renames it into place. */
export function copyFileAtomic(from: string, target: string): void {
  const temp = tempPathFor(target);
  try {
    fs.copyFileSync(from, temp, fs.constants.COPYFILE_EXCL);
    const fd = fs.openSync(temp, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Something we did not make sits at a name we use (a symlink or directory at a lock or state file, say): it is
 * moved aside to DIR/.BASENAME.stray.<random>, never followed nor deleted, and the run goes on. Returns a warning.
 */
export function moveAsideUnlessRegular(file: string): string | null {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat || stat.isFile()) return null;
  const aside = path.join(path.dirname(file), `.${path.basename(file)}.stray.${crypto.randomBytes(6).toString('hex')}`);
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return null;
    throw error;
  }
  return `${file} was ${stat.isSymbolicLink() ? 'a symlink' : stat.isDirectory() ? 'a directory' : 'not a regular file'}, which this module never makes: moved it to ${aside}`;
}

/** Renames `from` over `target`; across filesystems (a work dir in a tmpfs /tmp), a flushed copy and an unlink. */
export function moveInto(from: string, target: string): void {
  try {
    fs.renameSync(from, target);
  } catch (error) {
    if (!hasCode(error, 'EXDEV')) throw error;
    copyFileAtomic(from, target);
    fs.rmSync(from, { force: true });
  }
}
