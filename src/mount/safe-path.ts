// Creates a directory inside an untrusted image tree without ever following a symlink out of it.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../core/errors.js';

export function mkdirInside(root: string, rel: string): string {
  let current = root;
  for (const part of rel.split('/').filter(Boolean)) {
    current = path.join(current, part);
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat) fs.mkdirSync(current, { mode: 0o755 });
    else if (stat.isSymbolicLink()) throw new ModuleError(`Cannot mount a stacked source on ${rel}: ${path.relative(root, current)} is a symlink in the image`);
    else if (!stat.isDirectory()) throw new ModuleError(`Cannot mount a stacked source on ${rel}: ${path.relative(root, current)} is not a directory in the image`);
  }
  return current;
}
