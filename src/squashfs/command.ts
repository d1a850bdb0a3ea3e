// Builds the mksquashfs argv (never a shell line) with the reference's low-priority prefix and the user's parameters.
import { execaSync } from 'execa';
import { ModuleError } from '../runtime/errors.js';
import { findExecutable } from '../runtime/executable.js';

function works(argv: string[]): boolean {
  try {
    return execaSync(argv[0]!, argv.slice(1), { stdio: 'ignore', reject: false }).exitCode === 0;
  } catch {
    return false;
  }
}

export function executable(command: string): boolean {
  return findExecutable(command) !== null;
}

/** Unset: `nice ionice -c3` when both work here; "": no prefix; else the given command line split on whitespace. */
export function ionicePrefix(ionice: string | null | undefined): string[] {
  if (ionice === null || ionice === undefined) {
    const prefix = ['nice', 'ionice', '-c3'];
    return works([...prefix, 'true']) ? prefix : works(['nice', 'true']) ? ['nice'] : [];
  }
  const prefix = ionice.split(/\s+/).filter(Boolean);
  if (prefix[0] && !executable(prefix[0])) {
    throw new ModuleError(`Option ionice: command ${JSON.stringify(prefix[0])} not found; give a command line such as "nice ionice -c3", or "" for none`);
  }
  return prefix;
}

export function splitParams(params: string[] | string | undefined): string[] {
  if (params === undefined) return [];
  if (typeof params === 'string') return params.split(/\s+/).filter(Boolean);
  return params;
}

export { checkParams } from './params.js';

export function checkMksquashfs(): void {
  if (!executable('mksquashfs')) throw new ModuleError('mksquashfs not found in PATH: install squashfs-tools (apt-get install squashfs-tools)');
}

export const LAST_SQUASHFS_TIME = 2 ** 32 - 1;

/**
 * The image's own time taken from the source (its newest file), so two builds of the same source are
 * byte-identical; unless the user chose a time (-mkfs-time, -all-time) or SOURCE_DATE_EPOCH, which mksquashfs reads.
 */
export function withSourceTime(argv: string[], params: string[], seconds: number): string[] {
  if (process.env.SOURCE_DATE_EPOCH || params.some((p) => p === '-mkfs-time' || p === '-all-time')) return argv;
  const at = argv.indexOf('-ef') + 2;
  // squashfs times are 32 bits: mksquashfs refuses a later -mkfs-time, so a file dated 2106 or later would fail every build.
  const time = Math.min(Math.max(0, Math.floor(seconds)), LAST_SQUASHFS_TIME);
  return [...argv.slice(0, at), '-mkfs-time', String(time), ...argv.slice(at)];
}

export function mksquashfsArgv(prefix: string[], root: string, output: string, excludesFile: string, params: string[]): string[] {
  return [...prefix, 'mksquashfs', root, output, '-noappend', '-wildcards', '-ef', excludesFile, ...params];
}
