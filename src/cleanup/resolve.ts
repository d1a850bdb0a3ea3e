// A file cleanup scrubs may be reached through symlinks: they are followed as a chroot would, inside the tree, never on the host.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { skipReason, type TreeEntry } from './tree-fs.js';
import { hasCode } from '../core/errors.js';
import { isDot, isDotDot, joinBytes, relBytes, rootBytes, showRel, splitBytes, type TreeRel } from './tree-path.js';

/** As Linux's MAXSYMLINKS: more links than this on one path is a loop. */
const MAX_LINKS = 40;

/** Where a tree path leads once every symlink on it is followed: `rel` has none left, `entry` is what is there. */
export interface Resolved {
  rel: Buffer;
  entry: Exclude<TreeEntry, { kind: 'symlink' } | { kind: 'unsafe' }>;
  /** How many symlinks were followed: 0 when `rel` is the path asked for. */
  links: number;
}

/** A path cleanup must scrub but cannot: it leads out of the tree or loops. The build stops on it. */
export class UnresolvableError extends Error {}

function kindOf(stat: Stats): Resolved['entry'] {
  if (stat.isFile()) return { kind: 'regular', stat };
  if (stat.isDirectory()) return { kind: 'directory', stat };
  return { kind: 'other' };
}

/**
 * Follows every symlink on `rel`, components and last name alike: an absolute target starts again at the tree
 * root, a relative one at the link's directory. A '..' above the root or more than MAX_LINKS links throws
 * UnresolvableError naming `rel`: what the path names is then nothing cleanup can scrub.
 */
export async function resolveInTree(root: string, rel: TreeRel): Promise<Resolved> {
  const base = rootBytes(root);
  const done: Buffer[] = [];
  const pending = splitBytes(relBytes(rel));
  let links = 0;
  let stat: Stats | null = null;
  while (pending.length > 0) {
    const part = pending.shift() as Buffer;
    if (part.length === 0 || isDot(part)) continue;
    if (isDotDot(part)) {
      if (done.length === 0) throw new UnresolvableError(`${showRel(rel)} leads out of the tree (a symlink on the way goes above its root)`);
      done.pop();
      stat = null;
      continue;
    }
    const here = joinBytes([base, ...done, part]);
    try {
      stat = await fs.lstat(here);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return { rel: joinBytes([...done, part, ...pending]), entry: { kind: 'missing' }, links };
      throw error;
    }
    if (stat.isSymbolicLink()) {
      links += 1;
      if (links > MAX_LINKS) throw new UnresolvableError(`${showRel(rel)} goes through more than ${MAX_LINKS} symlinks (a loop?)`);
      const target = await fs.readlink(here, { encoding: 'buffer' });
      if (target[0] === 0x2f) done.length = 0;
      pending.unshift(...splitBytes(target));
      stat = null;
      continue;
    }
    done.push(part);
    if (!stat.isDirectory() && pending.some((p) => p.length > 0 && !isDot(p))) {
      return { rel: joinBytes([...done, ...pending]), entry: { kind: 'missing' }, links };
    }
  }
  if (done.length === 0) throw new UnresolvableError(`${showRel(rel)} leads to the root of the tree, not to a file`);
  stat ??= await fs.lstat(joinBytes([base, ...done]));
  return { rel: joinBytes(done), entry: kindOf(stat), links };
}

/** "etc/fstab", or "etc/fstab -> data/fstab" when symlinks led elsewhere in the tree. */
export function followedName(rel: string, target: Resolved): string {
  return target.links === 0 ? rel : `${rel} -> ${showRel(target.rel)}`;
}

/** Why a path a step would scrub is left alone, for its detail: a dangling symlink or no regular file; '' for a regular file or none. */
export function skipOf(rel: string, target: Resolved): string {
  if (target.entry.kind === 'missing') return target.links === 0 ? '' : `skipped ${rel}: symlink to nothing in the tree`;
  return skipReason(followedName(rel, target), target.entry);
}
