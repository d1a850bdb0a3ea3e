// Publishes a finished image with renames only, so NAME.img always names a complete image and is never rewritten in place.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../runtime/errors.js';
import type { ImagePaths } from './paths.js';

function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function describe(error: unknown, what: string): ModuleError {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' ? 'no space left on the images filesystem; free some space' : `${code ?? 'error'}`;
  return new ModuleError(`Cannot publish ${what}: ${hint}`);
}

export interface Published {
  image: string;
  backup: string | null;
}

/**
 * With backup, the current image is hard-linked to NAME.img.old (via a temp name) before the new one is
 * renamed over NAME.img, so there is no instant without NAME.img and the old inode stays readable.
 */
export function publishImage(paths: ImagePaths, backup: boolean): Published {
  try {
    fsyncPath(paths.tmp);
    let backupPath: string | null = null;
    if (backup && fs.existsSync(paths.image)) {
      const link = `${paths.backup}.tmp`;
      fs.rmSync(link, { force: true });
      fs.linkSync(paths.image, link);
      fs.renameSync(link, paths.backup);
      backupPath = paths.backup;
    }
    fs.renameSync(paths.tmp, paths.image);
    fsyncPath(path.dirname(paths.image));
    return { image: paths.image, backup: backupPath };
  } catch (error) {
    throw describe(error, paths.image);
  }
}

/**
 * Removes what an interrupted earlier run may have left: the partial image and half-made backup links.
 * A revert killed between its renames is completed instead, since its temp link may be the only name of an image.
 */
export function removeLeftovers(paths: ImagePaths): string[] {
  const done: string[] = [];
  const hold = `${paths.backup}.swap`;
  if (fs.existsSync(hold) && !fs.existsSync(paths.backup)) {
    fs.renameSync(hold, paths.backup);
    done.push(`completed an interrupted revert: ${paths.backup}`);
  }
  for (const file of [paths.tmp, `${paths.backup}.tmp`, hold]) {
    if (fs.existsSync(file)) {
      fs.rmSync(file, { force: true });
      done.push(`removed ${file}`);
    }
  }
  return done;
}
