// Checks a directory option before anything is written: absolute, and either a directory or creatable below a directory.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../runtime/errors.js';

/** ENOTDIR means a file sits higher up the path: keep walking up to report it. */
function statOrNull(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

export function checkDirOption(dir: string, option: string): string {
  if (!path.isAbsolute(dir)) throw new ModuleError(`Option ${option} must be an absolute path, got ${JSON.stringify(dir)}`);
  if (dir.includes('\0') || dir.includes('\n')) throw new ModuleError(`Option ${option} contains a NUL or newline; give a plain absolute path`);
  const clean = path.normalize(dir);
  for (let at = clean; ; at = path.dirname(at)) {
    const stat = statOrNull(at);
    if (stat && !stat.isDirectory()) throw new ModuleError(`Option ${option}: ${at} is not a directory; give a directory path`);
    if (stat || at === path.dirname(at)) break;
  }
  return clean;
}
