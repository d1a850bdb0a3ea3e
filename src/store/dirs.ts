// Checks a directory option before anything is written: absolute, and either a directory or creatable below a directory.
import path from 'node:path';
import { ModuleError } from '../core/errors.js';
import { statIfAny } from '../fs/stat.js';

export function checkDirOption(dir: string, option: string): string {
  if (!path.isAbsolute(dir)) throw new ModuleError(`Option ${option} must be an absolute path, got ${JSON.stringify(dir)}`);
  if (dir.includes('\0') || dir.includes('\n')) throw new ModuleError(`Option ${option} contains a NUL or newline; give a plain absolute path`);
  const clean = path.normalize(dir);
  for (let at = clean; ; at = path.dirname(at)) {
    // ENOTDIR: a file sits higher up the path; walking up reaches it and reports it.
    const stat = statIfAny(at);
    if (stat && !stat.isDirectory()) throw new ModuleError(`Option ${option}: ${at} is not a directory; give a directory path`);
    if (stat || at === path.dirname(at)) break;
  }
  return clean;
}
