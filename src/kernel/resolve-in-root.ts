// An image tree is untrusted: its symlinks must resolve as if the tree were "/", so no link can reach the host's files.
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { hasCode } from '../core/errors.js';

/** Linux's MAXSYMLINKS: a path that needs more hops would fail with ELOOP on the booted client too. */
export const MAX_SYMLINK_HOPS = 40;

/**
 * Errors that mean "this path does not lead to anything", as opposed to errors worth reporting (EACCES, EIO). EPERM
 * is overlayfs refusing an entry it will not show (a file marked metacopy in a layer, without metacopy=on): the image,
 * read through the same overlay, does not hold it either.
 */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EPERM']);

function isMissing(error: unknown): boolean {
  return hasCode(error, ...MISSING);
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolves `rel` inside `root` chroot-style: absolute symlink targets and ".." are taken relative to
 * `root` and stop there. Returns the absolute host path of the final target, which contains no
 * symlinks below `root`, or null when a component is missing, is not a directory where one is needed,
 * or more than MAX_SYMLINK_HOPS symlinks are followed.
 */
export async function resolveInRoot(root: string, rel: string): Promise<string | null> {
  const top = path.resolve(root);
  /** Components already resolved: real directories (and possibly a final non-directory). */
  const resolved: string[] = [];
  let pending = components(rel);
  let hops = 0;
  while (pending.length > 0) {
    const [name, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const host = path.join(top, ...resolved, name);
    let target: string | null = null;
    try {
      const stats = await lstat(host);
      if (stats.isSymbolicLink()) {
        target = await readlink(host);
      } else if (pending.length > 0 && !stats.isDirectory()) {
        return null;
      }
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (target === null) {
      resolved.push(name);
      continue;
    }
    hops += 1;
    // An empty target is ENOENT on Linux, not "the directory holding the link".
    if (hops > MAX_SYMLINK_HOPS || target === '') return null;
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...components(target), ...pending];
  }
  return path.join(top, ...resolved);
}
