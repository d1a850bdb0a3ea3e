// Removes generations beyond `keep` and older than `keep_days`: the only way a published image is ever deleted.
import fs from 'node:fs';
import type { Generation, ImageFiles } from './generations.js';
import { statePath } from './state.js';
import { crashPoint } from '../runtime/crashpoint.js';

export interface PrunePolicy {
  /** Backups to keep: 1 is the reference layout (NAME.img.old only). */
  keep: number;
  /** Also remove kept generations (never NAME.img or NAME.img.old) built more than this many days ago. */
  keepDays: number | null;
  now: number;
}

function builtAt(g: Generation): number {
  return g.state ? Date.parse(g.state.builtAt) : g.mtimeMs;
}

/** Returns the removed files. The active image and its backup are never pruned. */
export function pruneGenerations(files: ImageFiles, policy: PrunePolicy): string[] {
  const keepOlder = Math.max(0, policy.keep - 1);
  const cutoff = policy.keepDays === null ? null : policy.now - policy.keepDays * 86400 * 1000;
  const removed: string[] = [];
  files.older.forEach((g, index) => {
    const tooMany = index >= keepOlder;
    const tooOld = cutoff !== null && builtAt(g) < cutoff;
    if (!tooMany && !tooOld) return;
    fs.rmSync(g.file, { force: true });
    crashPoint('generation pruned');
    fs.rmSync(statePath(g.file), { force: true });
    removed.push(g.file);
  });
  return removed;
}
