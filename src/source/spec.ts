// Parses the `name` option: one source, or stacked sources `img1,opts1,,img2,opts2` with their special options.
import { ModuleError } from '../core/errors.js';

export interface SourceSpec {
  /** As written by the user: a simple name, or a path. */
  spec: string;
  partition?: number;
  fstype?: string;
  /** Where in the image root this source is mounted; only for stacked sources after the first. */
  subdir?: string;
  /** Plain mount options, passed to mount -o. */
  options: string[];
}

// Options that would make a source writable (rw, defaults, remount), mount something else (bind, move) or
// change which bytes are mounted (loop, offset, sizelimit): sources are always mounted read-only, as the module chose.
const REFUSED_OPTIONS = new Set(['rw', 'defaults', 'remount', 'bind', 'rbind', 'move', 'loop', 'offset', 'sizelimit', 'user', 'users', 'owner', 'group']);

function checkMountOption(opt: string): void {
  const key = opt.split('=')[0] ?? '';
  if (REFUSED_OPTIONS.has(key) || key.startsWith('make-') || key.startsWith('x-') || key.startsWith('X-')) {
    throw new ModuleError(`Option name: mount option ${JSON.stringify(opt)} is not allowed: sources are always mounted read-only by the module; remove it`);
  }
}

function parseOne(part: string, index: number): SourceSpec {
  const [spec = '', ...opts] = part.split(',');
  if (!spec) throw new ModuleError(`Option name: stacked source ${index + 1} is empty; write img1,opts1,,img2,opts2`);
  const out: SourceSpec = { spec, options: [] };
  for (const opt of opts.filter(Boolean)) {
    const [key, ...rest] = opt.split('=');
    const value = rest.join('=');
    if (key === 'partition') {
      if (!/^[1-9]\d{0,3}$/.test(value)) throw new ModuleError(`Option name: partition=${value} must be a partition number such as partition=2`);
      out.partition = Number(value);
    } else if (key === 'fstype') {
      if (!/^[a-z0-9_.]+$/.test(value)) throw new ModuleError(`Option name: fstype=${value} is not a filesystem type such as fstype=ext4`);
      out.fstype = value;
    } else if (key === 'subdir') {
      const clean = value.replace(/^\/+|\/+$/g, '');
      if (!clean || clean.split('/').some((c) => c === '..' || c === '.' || c === '')) {
        throw new ModuleError(`Option name: subdir=${value} must be a directory inside the image, such as subdir=boot/efi`);
      }
      out.subdir = clean;
    } else {
      checkMountOption(opt);
      out.options.push(opt);
    }
  }
  if (index === 0 && out.subdir) throw new ModuleError('Option name: the first source is the image root and cannot have subdir=; give subdir= to the later stacked sources');
  if (index > 0 && !out.subdir) throw new ModuleError(`Option name: stacked source ${spec} needs subdir=DIR to say where it goes in the image, e.g. ${spec},subdir=boot`);
  return out;
}

export function parseSourceSpecs(name: string): SourceSpec[] {
  if (!name) throw new ModuleError('Option name is empty: give a chroot name, a path, or / for a chrootless image');
  if (name.includes('\0')) throw new ModuleError('Option name contains a NUL byte: give a chroot name, a path, or / for a chrootless image');
  return name.split(',,').map(parseOne);
}
