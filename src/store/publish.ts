// Publishes a finished image with renames only, so NAME.img always names a complete image and is never rewritten in place.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError, errorCode } from '../core/errors.js';
import { crashPoint } from '../core/crashpoint.js';
import { failpoint } from '../core/failpoint.js';
import { numberedPath, type Generation, type ImageFiles } from './generations.js';
import { fsyncPath } from '../fs/fsync.js';
import type { ImagePaths } from '../layout/paths.js';
import { sameInode } from '../fs/stat.js';
import { clearJournal, writeJournal } from './journal.js';
import { statePath, writeState, type ImageState } from './state.js';
import { tempPathFor } from '../fs/temp-file.js';

function describe(error: unknown, what: string): ModuleError {
  const code = errorCode(error);
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

/** The numbered name a displaced image keeps while clients may run it: its generation, or 0 for one the reference tool built. */
function numberedFor(paths: ImagePaths, g: Generation | null): string | null {
  const name = numberedPath(paths, g?.state?.generation ?? 0);
  // Generation numbers start at 1, so only a second image without a record can find 0 taken: that one goes as the reference's rotation does.
  return fs.existsSync(name) ? null : name;
}

/**
 * With backup, the current image is hard-linked to NAME.img.old (via a temp name) before the new one is
 * renamed over NAME.img, so there is no instant without NAME.img and the old inode stays readable; without,
 * it is hard-linked to its numbered name. The backup a publish displaces moves to its numbered name: nothing
 * is unlinked here, pruning alone decides what clients can no longer be running.
 * `state` is the new image's record (its identity taken from the tmp, which the rename keeps); it and every
 * other record go to the journal first, so a kill between these renames loses none of them.
 */
export async function publishImage(paths: ImagePaths, backup: boolean, files: ImageFiles, state: ImageState, now: Date): Promise<Published> {
  try {
    fsyncPath(paths.tmp);
    const displaced = files.active?.state ? { ...files.active.state, displacedAt: now.toISOString() } : null;
    const kept = [displaced, files.backup?.state, ...files.older.map((g) => g.state)].filter((s): s is ImageState => !!s);
    writeJournal(paths, [state, ...kept]);
    const active = fs.existsSync(paths.image);
    // A backup that is a link of the active image already (a publish killed after linking it) is no generation of its own.
    if (active && backup && !sameInode(paths.backup, paths.image)) {
      const numbered = fs.existsSync(paths.backup) ? numberedFor(paths, files.backup) : null;
      if (numbered) moveWithState(paths.backup, numbered);
      const link = tempPathFor(paths.backup);
      fs.linkSync(paths.image, link);
      crashPoint('backup linked');
      fs.renameSync(link, paths.backup);
      crashPoint('backup renamed');
    }
    const keptAs = active && backup ? paths.backup : active ? numberedFor(paths, files.active) : null;
    if (keptAs && !backup) fs.linkSync(paths.image, keptAs);
    if (keptAs && displaced) writeState(keptAs, displaced);
    else if (keptAs) fs.rmSync(statePath(keptAs), { force: true });
    fs.rmSync(statePath(paths.image), { force: true });
    crashPoint('backup record moved');
    await failpoint('publish');
    fs.renameSync(paths.tmp, paths.image);
    crashPoint('image renamed');
    writeState(paths.image, state);
    fsyncPath(path.dirname(paths.image));
    clearJournal(paths);
    return { image: paths.image, backup: backup && active ? paths.backup : null };
  } catch (error) {
    throw describe(error, paths.image);
  }
}
