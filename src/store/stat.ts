// stat(2) for "is anything there?" questions: a missing path, and the errors that only mean "not reachable this way", give undefined.
import fs from 'node:fs';

/** `tolerated` lists the error codes that count as "nothing there" besides ENOENT (ENOTDIR: a file where a dir was expected). */
export function statIfAny(p: string, tolerated: readonly string[] = ['ENOTDIR']): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (error) {
    if (tolerated.includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}
