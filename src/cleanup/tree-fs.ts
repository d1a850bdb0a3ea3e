// The image tree is untrusted: every access goes through here so that no symlink, last component or parent, leads the cleanup outside it.
import { constants } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { copiedUp, sameInode } from './copy-up.js';
import { joinBytes, rootBytes, segments, showRel, treePath, type TreeRel } from './tree-path.js';
import { hasCode } from '../core/errors.js';

/** What lstat says about a tree path, checking every parent directory on the way. */
export type TreeEntry =
  | { kind: 'missing' }
  | { kind: 'regular'; stat: Stats }
  | { kind: 'directory'; stat: Stats }
  | { kind: 'symlink' }
  | { kind: 'other' }
  | { kind: 'unsafe'; reason: string };

/** Owner and permission bits to give a rewritten file, normally taken from the file it replaces. */
export interface FileOwnership {
  uid: number;
  gid: number;
  mode: number;
}

// O_NONBLOCK so that a FIFO planted where a regular file was expected cannot hang the build.
const NOFOLLOW = constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

export async function inspect(root: string, rel: TreeRel): Promise<TreeEntry> {
  const parts = segments(rel);
  let current = rootBytes(root);
  for (let i = 0; i < parts.length; i += 1) {
    current = joinBytes([current, parts[i] as Buffer]);
    let stat: Stats;
    try {
      stat = await fs.lstat(current);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return { kind: 'missing' };
      throw error;
    }
    const last = i === parts.length - 1;
    if (stat.isSymbolicLink()) {
      if (last) return { kind: 'symlink' };
      return { kind: 'unsafe', reason: `${showRel(joinBytes(parts.slice(0, i + 1)))} is a symlink` };
    }
    if (last) {
      if (stat.isFile()) return { kind: 'regular', stat };
      if (stat.isDirectory()) return { kind: 'directory', stat };
      return { kind: 'other' };
    }
    if (!stat.isDirectory()) return { kind: 'missing' };
  }
  throw new Error('unreachable');
}

/**
 * Why an entry is not a regular file to work on, for messages: with `subject`, a clause ("it is a symlink",
 * "etc/passwd is not a regular file"); without, the bare reason ("symlink"). A symlinked parent gives its own
 * reason ("etc is a symlink") either way. '' for a regular file or none.
 */
export function entryProblem(entry: TreeEntry, subject?: string): string {
  const own = (what: string): string => (subject === undefined ? what : `${subject} is ${what === 'symlink' ? 'a symlink' : what}`);
  switch (entry.kind) {
    case 'symlink':
      return own('symlink');
    case 'unsafe':
      return entry.reason;
    case 'directory':
    case 'other':
      return own('not a regular file');
    default:
      return '';
  }
}

/**
 * Why a step leaves these paths alone, for its detail: one "skipped A, B: why" per distinct
 * reason, so that one symlinked parent (etc) is not reported once per file under it.
 * Regular and absent files are not mentioned.
 */
export function describeSkips(skips: ReadonlyArray<{ rel: TreeRel; entry: TreeEntry }>): string[] {
  const byWhy = new Map<string, string[]>();
  for (const { rel, entry } of skips) {
    const why = entryProblem(entry);
    if (why === '') continue;
    byWhy.set(why, [...(byWhy.get(why) ?? []), showRel(rel)]);
  }
  return [...byWhy].map(([why, rels]) => `skipped ${rels.join(', ')}: ${why}`);
}

/** Why a step leaves `rel` alone, for its detail; '' when it is a regular file or absent. */
export function skipReason(rel: TreeRel, entry: TreeEntry): string {
  return describeSkips([{ rel, entry }])[0] ?? '';
}

// Re-checks after opening, so that a file swapped between lstat and open is refused rather than used.
async function openRegular(root: string, rel: TreeRel, flags: number): Promise<{ handle: FileHandle; stat: Stats }> {
  const entry = await inspect(root, rel);
  if (entry.kind !== 'regular') throw new Error(`${showRel(rel)} is not a regular file inside the tree`);
  const handle = await fs.open(treePath(root, rel), flags | NOFOLLOW);
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || (!sameInode(stat, entry.stat) && !copiedUp(entry.stat, stat, await inspect(root, rel)))) {
      throw new Error(`${showRel(rel)} changed while being opened`);
    }
    return { handle, stat };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export async function readRegular(root: string, rel: TreeRel): Promise<{ data: Buffer; stat: Stats }> {
  const { handle, stat } = await openRegular(root, rel, constants.O_RDONLY);
  try {
    return { data: await handle.readFile(), stat };
  } finally {
    await handle.close();
  }
}

/** Empties a regular file in place, which keeps its inode, owner and mode; false when it already was empty. */
export async function truncateRegular(root: string, rel: TreeRel): Promise<boolean> {
  // ftruncate on a descriptor opened for writing, not truncate(2) on a path, which overlayfs once got wrong (LP: #1494660).
  const { handle, stat } = await openRegular(root, rel, constants.O_WRONLY);
  try {
    if (stat.size === 0) return false;
    await handle.truncate(0);
    return true;
  } finally {
    await handle.close();
  }
}

/** Writes `data` to a new file beside `rel` and renames it over, so readers never see a half-written account file. */
export async function replaceRegular(root: string, rel: TreeRel, data: string | Buffer, owner: FileOwnership): Promise<void> {
  const entry = await inspect(root, rel);
  if (entry.kind === 'unsafe') throw new Error(`refusing to write ${showRel(rel)}: ${entry.reason}`);
  if (entry.kind === 'directory' || entry.kind === 'other') throw new Error(`refusing to replace ${showRel(rel)}: not a regular file`);
  const target = treePath(root, rel);
  const parts = segments(rel);
  const name = Buffer.concat([Buffer.from('.'), parts[parts.length - 1] as Buffer, Buffer.from(`.cleanup-${randomBytes(6).toString('hex')}`)]);
  const temp = joinBytes([rootBytes(root), ...parts.slice(0, -1), name]);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
  const handle = await fs.open(temp, flags, 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.chown(owner.uid, owner.gid);
      // After chown, which clears setuid/setgid bits.
      await handle.chmod(owner.mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Unlinks a non-directory entry; unlink never follows the link, so a symlink goes and its target stays. */
export async function removeEntry(root: string, rel: TreeRel): Promise<boolean> {
  const entry = await inspect(root, rel);
  if (entry.kind === 'missing') return false;
  if (entry.kind === 'unsafe') throw new Error(`refusing to remove ${showRel(rel)}: ${entry.reason}`);
  if (entry.kind === 'directory') throw new Error(`refusing to remove ${showRel(rel)}: it is a directory`);
  await fs.unlink(treePath(root, rel));
  return true;
}

/** Points `rel` at `target` (relative to the link), replacing what was there unless it is a directory. */
export async function replaceWithSymlink(root: string, rel: string, target: string): Promise<boolean> {
  const entry = await inspect(root, rel);
  const abs = treePath(root, rel);
  if (entry.kind === 'symlink' && (await fs.readlink(abs)) === target) return false;
  if (entry.kind !== 'missing') await removeEntry(root, rel);
  await fs.symlink(target, abs);
  return true;
}

/** Entries of a real directory of the tree, names as bytes (Dirent types come from lstat-like d_type: links are not followed). */
export async function listDirectory(root: string, rel: TreeRel): Promise<Dirent<Buffer>[] | TreeEntry> {
  const entry = await inspect(root, rel);
  if (entry.kind !== 'directory') return entry;
  return fs.readdir(treePath(root, rel), { withFileTypes: true, encoding: 'buffer' });
}
