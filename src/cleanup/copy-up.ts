// Opening a hard-linked file of the overlay's lower layer for writing copies it up to a new inode: told apart from a swap here.
import type { Stats } from 'node:fs';
import type { TreeEntry } from './tree-fs.js';

export const sameInode = (a: Stats, b: Stats): boolean => a.ino === b.ino && a.dev === b.dev;

/**
 * The copy-up breaks the link to the file's other names, as it does for the reference tool's `>` redirections. It is
 * no swap when the file had other names, the path now holds the opened inode, and that inode has the size, mode,
 * owner and mtime the file had before.
 */
export function copiedUp(before: Stats, opened: Stats, now: TreeEntry): boolean {
  if (before.nlink < 2 || now.kind !== 'regular' || !sameInode(now.stat, opened)) return false;
  return before.size === opened.size && before.mode === opened.mode && before.uid === opened.uid && before.gid === opened.gid && before.mtimeMs === opened.mtimeMs;
}
