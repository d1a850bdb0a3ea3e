// Walks an image source the way the built image will show it: mksquashfs's excludes applied, submounts left empty, entries in a fixed order, in bounded memory.
import fs from 'node:fs';
import { Entry, pathComponents } from './entry.js';
import { EXCLUDED, type ExcludeMatcher, type MatchState } from '../match/exclude-matcher.js';
import { entered, planDirectories, stored, type PlanContext, type PlannedDir } from './dir-plan.js';
import { FindLister } from './find-lister.js';
import { findCanList } from './find-process.js';
import { TreeChangedError, type Lister } from './listing.js';
import { linkCountReliable, mountsUnder } from './mounts.js';
import { NodeLister } from './node-lister.js';
import { releaseDeepPaths } from './long-path.js';

export interface WalkOptions {
  matcher: ExcludeMatcher;
  /** Where this source sits in the image, e.g. 'boot' for a stacked source; '' or unset for the image root. */
  prefix?: string;
  /** Image paths whose content another stacked source covers: listed themselves, never entered. */
  hide?: readonly string[];
  /** 'find' (the default where find supports -files0-from) or 'node' (plain fs calls). */
  lister?: 'find' | 'node';
}

// Directories handed to a lister at a time: fewer, larger writes keep find's wakeups rare.
const BATCH = 64;
// Entries handed to the caller at a time: per-entry awaits would cost more than the walk.
const YIELD_AT = 2048;

const byName = (a: Entry, b: Entry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The matcher state for the prefix directory itself, or EXCLUDED when the prefix is excluded. */
function prefixState(matcher: ExcludeMatcher, parts: string[]): MatchState | typeof EXCLUDED {
  let state: MatchState | typeof EXCLUDED = matcher.root;
  for (const part of parts) {
    if (state === EXCLUDED) break;
    state = matcher.child(state, part);
  }
  return state;
}

/**
 * Every entry of the source at `root` that mksquashfs would put in the image, in batches, in
 * image path order (see comparePaths), starting with the source root itself (at the prefix).
 * Symlinks are never followed. Mount points inside the source are listed as empty directories
 * flagged mountPoint (their attributes then belong to the mounted root, not to the directory
 * underneath that the image holds). Throws TreeChangedError if the tree changes midway.
 */
export async function* walkTree(root: string, options: WalkOptions): AsyncGenerator<Entry[]> {
  const { matcher } = options;
  const parts = pathComponents(options.prefix ?? '');
  const top = prefixState(matcher, parts);
  if (top === EXCLUDED) return;
  const real = fs.realpathSync(root, { encoding: 'buffer' }).toString('latin1');
  const dev = Number(fs.statSync(root, { bigint: true }).dev);
  const mounts = mountsUnder(real);
  const ctx: PlanContext = {
    root: real,
    matcher,
    hidden: new Set((options.hide ?? []).map((h) => pathComponents(h).join('/'))),
    mounts: mounts.inside,
    trustLinkCount: linkCountReliable(mounts.rootType),
  };
  const topDir: PlannedDir = { rel: '', path: parts.join('/'), state: top };
  const ahead: PlannedDir[] = [];
  let aheadHead = 0;
  // The walk waits on `fed` when it caught up with the feeder.
  let fed: (() => void) | null = null;
  let feedDone = false;
  const announce = (): void => {
    const resolve = fed;
    fed = null;
    resolve?.();
  };
  const useFind = (options.lister ?? (findCanList() ? 'find' : 'node')) === 'find';
  const lister: Lister = useFind ? new FindLister(real, dev) : new NodeLister(real, dev);
  // '/' has no last component: find's record for it carries an empty name (see find-records.ts), and so does this request.
  const rootName = real.slice(real.lastIndexOf('/') + 1);
  let stopped = false;

  // Feeds the lister the planned directories for as long as it is hungry.
  const feed = async (): Promise<void> => {
    let count = 0;
    for (const dir of planDirectories(ctx, topDir)) {
      if (stopped) return;
      ahead.push(dir);
      lister.submit(dir.rel, dir.rel === '' ? rootName : dir.rel.slice(dir.rel.lastIndexOf('/') + 1));
      if (++count % BATCH !== 0) continue;
      await lister.drain();
      announce();
      // A macrotask turn lets find's output be read; looping on microtasks alone would starve the very take() being fed.
      await new Promise((resolve) => setImmediate(resolve));
      while (!stopped && !lister.hungry) await lister.changed();
    }
    lister.end();
  };
  let feedError: unknown;
  const feeding = feed()
    .catch((error) => {
      feedError = error;
      lister.close();
    })
    .finally(() => {
      feedDone = true;
      announce();
    });

  const next = async (expected: string): Promise<{ dir: PlannedDir; children: Entry[]; header: Entry }> => {
    while (aheadHead >= ahead.length && !feedDone) await new Promise<void>((resolve) => (fed = resolve));
    if (feedError) throw feedError;
    if (aheadHead >= ahead.length) throw new TreeChangedError(`directory ${JSON.stringify(expected)} was not planned`);
    const block = await lister.take().catch((error) => {
      throw feedError ?? error;
    });
    const dir = ahead[aheadHead];
    ahead[aheadHead++] = undefined as never;
    if (aheadHead > 4096) {
      ahead.splice(0, aheadHead);
      aheadHead = 0;
    }
    if (!dir || dir.rel !== expected) throw new TreeChangedError(`directory ${JSON.stringify(expected)} was not planned`);
    return { dir, children: block.children.sort(byName), header: block.header };
  };

  try {
    const first = await next('');
    first.header.dir = parts.slice(0, -1).join('/');
    first.header.name = parts[parts.length - 1] ?? '';
    let batch: Entry[] = [first.header];
    const stack = [{ ...first, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const entry = frame.children[frame.next++];
      if (entry === undefined) {
        stack.pop();
        continue;
      }
      const { dir } = frame;
      const state = matcher.idle(dir.state) ? dir.state : matcher.child(dir.state, entry.name);
      if (state === EXCLUDED || !stored(dir.path, entry.name)) continue;
      entry.dir = dir.path;
      batch.push(entry);
      if (entry.type === 'd') {
        const rel = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
        if (entered(ctx, rel, entry.path)) stack.push({ ...(await next(rel)), next: 0 });
        else entry.mountPoint = ctx.mounts.has(rel) || ctx.hidden.has(entry.path);
      }
      if (batch.length >= YIELD_AT) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    await feeding;
    if (feedError) throw feedError;
    if (aheadHead !== ahead.length) throw new TreeChangedError('a planned directory was never reached');
    await lister.finish();
  } finally {
    stopped = true;
    lister.close();
    releaseDeepPaths();
  }
}
