// Publishes a finished image with renames only, so NAME.img always names a complete image and is never rewritten in place.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../runtime/errors.js';
import { failpoint } from '../runtime/failpoint.js';
import { numberedPath, type ImageFiles } from './generations.js';
import { holdPath } from './swap.js';
import { fsyncPath } from './fsync.js';
import type { ImagePaths } from './paths.js';
import { readState, statePath } from './state.js';

function describe(error: unknown, what: string): ModuleError {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' ? 'no space left on the images filesystem; free some space' : `${code ?? 'error'}`;
  return new ModuleError(`Cannot publish ${what}: ${hint}`);
}

/** A kept generation moves to its numbered name; its state file goes with it. */
function moveWithState(from: string, to: string): void {
  fs.renameSync(from, to);
  if (fs.existsSync(statePath(from))) fs.renameSync(statePath(from), statePath(to));
}

export interface Published {
  image: string;
  backup: string | null;
}

/**
 * With backup, the current image is hard-linked to NAME.img.old (via a temp name) before the new one is
 * renamed over NAME.img, so there is no instant without NAME.img and the old inode stays readable.
 */
export async function publishImage(paths: ImagePaths, backup: boolean, keep: number, files: ImageFiles): Promise<Published> {
  try {
    fsyncPath(paths.tmp);
    let backupPath: string | null = null;
    if (backup && fs.existsSync(paths.image)) {
      const generation = files.backup?.state?.generation;
      if (keep > 1 && generation !== undefined) moveWithState(paths.backup, numberedPath(paths, generation));
      const link = `${paths.backup}.tmp`;
      fs.rmSync(link, { force: true });
      fs.linkSync(paths.image, link);
      fs.renameSync(link, paths.backup);
      if (fs.existsSync(statePath(paths.image))) fs.renameSync(statePath(paths.image), statePath(paths.backup));
      else fs.rmSync(statePath(paths.backup), { force: true });
      backupPath = paths.backup;
    }
    await failpoint('publish');
    fs.renameSync(paths.tmp, paths.image);
    fsyncPath(path.dirname(paths.image));
    return { image: paths.image, backup: backupPath };
  } catch (error) {
    throw describe(error, paths.image);
  }
}

function sameInode(a: string, b: string): boolean {
  const sa = fs.statSync(a, { throwIfNoEntry: false });
  const sb = fs.statSync(b, { throwIfNoEntry: false });
  return !!sa && !!sb && sa.ino === sb.ino && sa.dev === sb.dev;
}

/**
 * A revert killed between its renames leaves the former active image only under the hold name: give it back
 * a real name (NAME.img.old, or its numbered name) instead of deleting what may be its only link.
 */
function recoverHold(paths: ImagePaths): string | null {
  const hold = holdPath(paths);
  if (!fs.existsSync(hold)) return null;
  if (sameInode(hold, paths.image) || sameInode(hold, paths.backup)) {
    fs.rmSync(hold);
    return `removed ${hold}`;
  }
  const target = fs.existsSync(paths.backup) ? numberedFor(paths, hold) : paths.backup;
  if (!target || fs.existsSync(target)) return `kept ${hold}: cannot tell which generation it is; rename or remove it`;
  fs.renameSync(hold, target);
  fs.rmSync(statePath(hold), { force: true });
  return `completed an interrupted revert: ${target}`;
}

/** The hold is the former active image, so its state is still NAME.img.json (states move after the renames). */
function numberedFor(paths: ImagePaths, file: string): string | null {
  const stat = fs.statSync(file);
  for (const candidate of [paths.image, paths.backup]) {
    const read = readState(candidate);
    if ('state' in read && read.state.image.ino === stat.ino) return numberedPath(paths, read.state.generation);
  }
  return null;
}

/** Removes what an interrupted earlier run may have left: the partial image and half-made backup links. */
export function removeLeftovers(paths: ImagePaths): string[] {
  const done: string[] = [];
  const recovered = recoverHold(paths);
  if (recovered) done.push(recovered);
  for (const file of [paths.tmp, `${paths.backup}.tmp`]) {
    if (fs.existsSync(file)) {
      fs.rmSync(file, { force: true });
      done.push(`removed ${file}`);
    }
  }
  return done;
}
