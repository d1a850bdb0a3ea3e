// Computes the effective exclude list exactly as the reference does: (base list minus OMIT) plus ADD, comments dropped, sorted, unique; plus mksquashfs_params' -e paths.
import fs from 'node:fs';
import path from 'node:path';
import { readConfigFile } from '../core/config-file.js';
import { BUILTIN_EXCLUDES } from './builtin-excludes.js';

export const SYSTEM_EXCLUDES_FILE = '/etc/ltsp/image.excludes';

export interface ExcludeOptions {
  excludes_file?: string | null;
  add_image_excludes?: string | null;
  omit_image_excludes?: string | null;
}

function patterns(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

function readList(file: string, option: string): string[] {
  return patterns(readConfigFile(file, option, 'give a readable file or newline-separated patterns'));
}

/** A value that is one line naming an absolute path is a file of patterns; anything else is the patterns themselves. */
function fileOrPatterns(value: string, option: string): string[] {
  const trimmed = value.trim();
  if (!trimmed.includes('\n') && path.isAbsolute(trimmed)) return readList(trimmed, option);
  return patterns(value);
}

/** `fromParams`: the paths after -e in mksquashfs_params (checked, see param-excludes.ts), which mksquashfs excludes as it does these lines. */
export function effectiveExcludes(options: ExcludeOptions, fromParams: readonly string[] = [], systemFile = SYSTEM_EXCLUDES_FILE): string[] {
  let base: string[];
  if (options.excludes_file) base = readList(options.excludes_file, 'excludes_file');
  else if (fs.existsSync(systemFile)) base = readList(systemFile, 'excludes_file');
  else base = [...BUILTIN_EXCLUDES];
  const omit = new Set(options.omit_image_excludes ? fileOrPatterns(options.omit_image_excludes, 'omit_image_excludes') : []);
  const add = options.add_image_excludes ? fileOrPatterns(options.add_image_excludes, 'add_image_excludes') : [];
  const all = [...base.filter((p) => !omit.has(p)), ...add, ...fromParams];
  return [...new Set(all)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
