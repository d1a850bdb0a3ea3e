// Publishes a finished image with renames only, so NAME.img always names a complete image and is never rewritten in place.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../runtime/errors.js';
import { crashPoint } from '../runtime/crashpoint.js';
import { failpoint } from '../runtime/failpoint.js';
import { numberedPath, type ImageFiles } from './generations.js';
import { fsyncPath } from './fsync.js';
import type { ImagePaths } from './paths.js';
import { sameInode } from './stat.js';
import { clearJournal, writeJournal } from './journal.js';
import { statePath, writeState, type ImageState } from './state.js';
import { tempPathFor } from './temp-file.js';

function describe(error: unknown, what: string): ModuleError {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' ? 'no space left on the images filesystem; free some space' : `${code ?? 'error'}`;
  return new ModuleError(`Cannot publish ${what}: ${hint}`);
}

/** A kept generation moves to its numbered name; its state file goes with it. */
function moveWithState(from: string, to: string): void {
  fs.renameSync(from, to);
  crashPoint('backup numbered');
  if (fs.existsSync(statePath(from))) fs.renameSync(statePath(from), statePath(to));
  crashPoint('backup record numbered');
}

export interface Published {
  image: string;
  backup: string | null;
}

/**
 * With backup, the current image is hard-linked to NAME.img.old (via a temp name) before the new one is
 * renamed over NAME.img, so there is no instant without NAME.img and the old inode stays readable.
 * `state` is the new image's record (its identity taken from the tmp, which the rename keeps); it and every
 * other record go to the journal first, so a kill between these renames loses none of them.
 */
export async function publishImage(paths: ImagePaths, backup: boolean, keep: number, files: ImageFiles, state: ImageState): Promise<Published> {
  try {
    fsyncPath(paths.tmp);
    const kept = [files.active, files.backup, ...files.older].map((g) => g?.state).filter((s): s is ImageState => !!s);
    writeJournal(paths, [state, ...kept]);
    let backupPath: string | null = null;
    if (backup && fs.existsSync(paths.image)) {
      const generation = files.backup?.state?.generation;
      // A backup that is a link of the active image already (a publish killed after linking it) is no generation of its own.
      if (!sameInode(paths.backup, paths.image)) {
        if (keep > 1 && generation !== undefined) moveWithState(paths.backup, numberedPath(paths, generation));
        const link = tempPathFor(paths.backup);
        fs.linkSync(paths.image, link);
        crashPoint('backup linked');
        fs.renameSync(link, paths.backup);
        crashPoint('backup renamed');
      }
      if (fs.existsSync(statePath(paths.image))) fs.renameSync(statePath(paths.image), statePath(paths.backup));
      else fs.rmSync(statePath(paths.backup), { force: true });
      crashPoint('backup record moved');
      backupPath = paths.backup;
    }
    await failpoint('publish');
    fs.renameSync(paths.tmp, paths.image);
    crashPoint('image renamed');
    writeState(paths.image, state);
    fsyncPath(path.dirname(paths.image));
    clearJournal(paths);
    return { image: paths.image, backup: backupPath };
  } catch (error) {
    throw describe(error, paths.image);
  }
}
