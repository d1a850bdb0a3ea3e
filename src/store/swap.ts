// Swaps NAME.img and NAME.img.old with renames only: NAME.img always names a complete image, never missing for an instant.
import fs from 'node:fs';
import { ModuleError } from '../runtime/errors.js';
import type { ImagePaths } from './paths.js';

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The active image is hard-linked to a temp name, the backup renamed over NAME.img (atomic replace),
 * and the temp renamed to NAME.img.old. Without an active image the backup is simply renamed.
 */
export function swapImages(paths: ImagePaths): void {
  const hold = `${paths.backup}.swap`;
  try {
    if (!fs.existsSync(paths.image)) {
      fs.renameSync(paths.backup, paths.image);
    } else {
      fs.rmSync(hold, { force: true });
      fs.linkSync(paths.image, hold);
      fs.renameSync(paths.backup, paths.image);
      fs.renameSync(hold, paths.backup);
    }
    fsyncDir(paths.imagesDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ModuleError(`Cannot swap ${paths.image} and ${paths.backup} (${code}); check the images directory`);
  }
}
