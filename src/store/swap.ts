// Makes another generation the active image with renames only: NAME.img always names a complete image, never missing for an instant.
import fs from 'node:fs';
import { ModuleError, errorCode } from '../core/errors.js';
import { crashPoint } from '../core/crashpoint.js';
import { failpoint } from '../core/failpoint.js';
import { clearJournal, writeJournal } from './journal.js';
import { numberedPath, placeStates, type Generation } from './generations.js';
import { fsyncPath } from '../fs/fsync.js';
import type { ImagePaths } from '../layout/paths.js';
import type { ImageState } from './state.js';

/** The temp name the active image is hard-linked to while its replacement is renamed over NAME.img. */
export function holdPath(paths: ImagePaths): string {
  return `${paths.backup}.swap`;
}

function numbered(paths: ImagePaths, g: Generation): string {
  if (!g.state) throw new ModuleError(`Cannot keep ${g.file} as a numbered generation: it has no state file; remove it or rebuild with ltsp_image`);
  return numberedPath(paths, g.state.generation);
}

/**
 * `target` becomes NAME.img; of the others, the newest becomes NAME.img.old and the rest NAME.img.GENERATION.
 * `others` is every other kept generation (the current active included), newest first.
 */
export async function activate(paths: ImagePaths, target: Generation, others: Generation[], active: Generation | null, now: Date): Promise<void> {
  const hold = holdPath(paths);
  const where = new Map<Generation, string>(others.map((g) => [g, g.file]));
  // The active image stops being NAME.img now: pruning gives its clients prune_grace from here; the target is NAME.img again.
  const recorded = (g: Generation): ImageState | null => {
    if (!g.state) return null;
    const { displacedAt: _, ...state } = g.state;
    return g === active ? { ...state, displacedAt: now.toISOString() } : g === target ? state : g.state;
  };
  writeJournal(paths, [target, ...others].map(recorded).filter((s): s is ImageState => !!s));
  try {
    if (active) {
      fs.rmSync(hold, { force: true });
      fs.linkSync(paths.image, hold);
      crashPoint('active held');
      where.set(active, hold);
    }
    fs.renameSync(target.file, paths.image);
    crashPoint('target activated');
    await failpoint('revert-swap');
    const [newest, ...rest] = others;
    const atOld = others.find((g) => where.get(g) === paths.backup);
    if (atOld && atOld !== newest) {
      fs.renameSync(paths.backup, numbered(paths, atOld));
      crashPoint('backup numbered');
      where.set(atOld, numbered(paths, atOld));
    }
    if (newest && where.get(newest) !== paths.backup) {
      fs.renameSync(where.get(newest)!, paths.backup);
      crashPoint('newest other is the backup');
      where.set(newest, paths.backup);
    }
    for (const g of rest) {
      if (where.get(g) === hold) {
        fs.renameSync(hold, numbered(paths, g));
        crashPoint('hold numbered');
        where.set(g, numbered(paths, g));
      }
    }
    fsyncPath(paths.imagesDir);
  } catch (error) {
    if (error instanceof ModuleError) throw error;
    const code = errorCode(error) ?? 'error';
    throw new ModuleError(`Cannot make ${target.file} the active image (${code}); check the images directory`, { cause: error });
  }
  const states = new Map<string, ImageState | null>([[paths.image, recorded(target)]]);
  for (const [g, file] of where) states.set(file, recorded(g));
  if (!states.has(paths.backup)) states.set(paths.backup, null);
  placeStates(states);
  clearJournal(paths);
}
