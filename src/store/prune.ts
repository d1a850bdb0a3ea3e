// Removes generations beyond `keep` and older than `keep_days`, unless a client may still run them: the only way a published image is ever deleted.
import fs from 'node:fs';
import type { Generation, ImageFiles } from './generations.js';
import { holdersOf } from './in-use.js';
import { statePath, type PruneRecord } from './state.js';
import { crashPoint } from '../core/crashpoint.js';

/**
 * keep: backups to keep, 1 is the reference layout (NAME.img.old only); keepDays: also remove numbered generations built
 * longer ago; graceHours: a generation displaced less than this long ago may still run on a client (over NFS, unseen here).
 */
export type PrunePolicy = PruneRecord;

export interface Kept {
  path: string;
  why: string;
}

export interface Pruned {
  removed: string[];
  /** Generations the policy would remove, kept because a client may still run them. */
  kept: Kept[];
}

function builtAt(g: Generation): number {
  return g.state ? Date.parse(g.state.builtAt) : g.mtimeMs;
}

/** When it stopped being NAME.img: recorded at publish or revert; else the file's ctime, which every link and rename since has only moved later. */
export function displacedAt(g: Generation): number {
  if (g.state?.displacedAt) return Date.parse(g.state.displacedAt);
  return fs.statSync(g.file).ctimeMs;
}

const hhmm = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);


/** Why `g` must stay even though the policy is done with it, or null when nothing protects it. */
export function keptBecause(g: Generation, holders: string[], graceHours: number, now: number): string | null {
  if (holders.length) return holders.join(', ');
  const until = displacedAt(g) + graceHours * 3600 * 1000;
  return now < until ? `displaced ${hhmm(displacedAt(g))} UTC, under the ${graceHours} h prune_grace` : null;
}

/** The numbered generations `keep` and `keepDays` are done with; the active image and its backup never are. */
export function dueForPruning(files: ImageFiles, policy: PrunePolicy, now: number): Generation[] {
  const keepOlder = Math.max(0, policy.keep - 1);
  const cutoff = policy.keepDays === null ? null : now - policy.keepDays * 86400 * 1000;
  return files.older.filter((g, index) => index >= keepOlder || (cutoff !== null && builtAt(g) < cutoff));
}

/** Removes what is due, except a generation a client may still run. */
export function pruneGenerations(files: ImageFiles, image: string, policy: PrunePolicy, now: number): Pruned {
  const due = dueForPruning(files, policy, now);
  const holders = holdersOf(due.map((g) => g.file), image);
  const result: Pruned = { removed: [], kept: [] };
  for (const g of due) {
    const why = keptBecause(g, holders.get(g.file) ?? [], policy.graceHours, now);
    if (why) {
      result.kept.push({ path: g.file, why });
      continue;
    }
    fs.rmSync(g.file, { force: true });
    crashPoint('generation pruned');
    fs.rmSync(statePath(g.file), { force: true });
    result.removed.push(g.file);
  }
  return result;
}
