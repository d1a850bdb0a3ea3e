// stat(2) for "is anything there?" questions: a missing path, and the errors that only mean "not reachable this way", give undefined.
import fs from 'node:fs';
import { hasCode } from '../core/errors.js';

/** Errors that only mean a path cannot be followed (a symlink loop, too long, a file used as a dir, no access): as good as missing, as the reference's `test -e` sees it. */
export const UNREACHABLE: readonly string[] = ['ELOOP', 'ENAMETOOLONG', 'ENOTDIR', 'EACCES'];

/** `tolerated` lists the error codes that count as "nothing there" besides ENOENT (ENOTDIR: a file where a dir was expected). */
export function statIfAny(p: string, tolerated: readonly string[] = ['ENOTDIR']): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (error) {
    if (hasCode(error, ...tolerated)) return undefined;
    throw error;
  }
}

/** Whether two names are links of one file (a backup hard-linked from the image, a revert's hold). */
export function sameInode(a: string, b: string): boolean {
  const sa = fs.statSync(a, { throwIfNoEntry: false });
  const sb = fs.statSync(b, { throwIfNoEntry: false });
  return !!sa && !!sb && sa.ino === sb.ino && sa.dev === sb.dev;
}
