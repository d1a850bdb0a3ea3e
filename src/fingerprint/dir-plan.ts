// Decides, ahead of the listing, which directories a walk will enter and in what order, so find can be kept busy instead of waiting for each answer.
import fs from 'node:fs';
import { EXCLUDED, type ExcludeMatcher, type MatchState } from '../match/exclude-matcher.js';
import { fsPath, joinPath } from './listing.js';
import { LONGEST_PATH, reachable } from './long-path.js';
import { errorCode } from '../core/errors.js';

export interface PlannedDir {
  /** Path relative to the source root (latin1); '' for the root. */
  rel: string;
  /** Path in the image (latin1); the prefix for the root. */
  path: string;
  /** Exclude state for the directory's entries. */
  state: MatchState;
}

export interface PlanContext {
  /** The source's real path (latin1). */
  root: string;
  matcher: ExcludeMatcher;
  /** Image paths whose content another source covers. */
  hidden: ReadonlySet<string>;
  /** Source-relative mount points, never entered. */
  mounts: ReadonlySet<string>;
  /** Whether a directory link count of 2 proves there is no subdirectory (see mounts.ts). */
  trustLinkCount: boolean;
}

/**
 * The longest image path mksquashfs stores: it runs in the tree it reads (see the namespace worker) and stats
 * `./PATH`; of a longer one it says "Cannot stat ... File name too long, ignoring", and the walk leaves it out too.
 */
export const LONGEST_ENTRY = LONGEST_PATH - './'.length;

/** Whether mksquashfs stores the entry `name` of the image directory `dir`. */
export function stored(dir: string, name: string): boolean {
  return (dir === '' ? name.length : dir.length + 1 + name.length) <= LONGEST_ENTRY;
}

/** Whether the walk enters this directory: it must agree exactly with the walker's own decision. */
export function entered(ctx: PlanContext, rel: string, path: string): boolean {
  return !ctx.hidden.has(path) && !ctx.mounts.has(rel);
}

const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function subdirectories(ctx: PlanContext, rel: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(reachable(fsPath(joinPath(ctx.root, rel))), { withFileTypes: true, encoding: 'latin1' as BufferEncoding });
  } catch (error) {
    // A directory that vanished is the listing's to notice; the plan just has nothing below it.
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const names: string[] = [];
  for (const entry of entries) if (entry.isDirectory()) names.push(entry.name);
  return names.sort(byBytes);
}

function isLeaf(ctx: PlanContext, rel: string): boolean {
  if (!ctx.trustLinkCount) return false;
  const stats = fs.lstatSync(reachable(fsPath(joinPath(ctx.root, rel))), { throwIfNoEntry: false });
  return stats !== undefined && stats.isDirectory() && stats.nlink === 2;
}

const join = (base: string, name: string): string => (base === '' ? name : `${base}/${name}`);

/**
 * Yields `top` and every directory below it that the walk enters, depth first with names in
 * byte order: the order in which the walker will take their listings. Reads only directory
 * names, and skips reading directories whose link count says they have no subdirectory.
 */
export function* planDirectories(ctx: PlanContext, top: PlannedDir): Generator<PlannedDir> {
  yield top;
  const stack: Array<{ dir: PlannedDir; names: string[]; next: number }> = [{ dir: top, names: subdirectories(ctx, top.rel), next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const name = frame.names[frame.next++];
    if (name === undefined) {
      stack.pop();
      continue;
    }
    const { dir } = frame;
    const state = ctx.matcher.idle(dir.state) ? dir.state : ctx.matcher.child(dir.state, name);
    if (state === EXCLUDED || !stored(dir.path, name)) continue;
    const child: PlannedDir = { rel: join(dir.rel, name), path: join(dir.path, name), state };
    if (!entered(ctx, child.rel, child.path)) continue;
    yield child;
    if (!isLeaf(ctx, child.rel)) stack.push({ dir: child, names: subdirectories(ctx, child.rel), next: 0 });
  }
}
