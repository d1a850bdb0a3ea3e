// Builds the mksquashfs argv (never a shell line) with the reference's low-priority prefix and the user's parameters.
import { execaSync } from 'execa';
import { ModuleError } from '../core/errors.js';
import { findExecutable } from '../core/executable.js';

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

export function checkMksquashfs(): void {
  if (!executable('mksquashfs')) throw new ModuleError('mksquashfs not found in PATH: install squashfs-tools (apt-get install squashfs-tools)');
}

export const LAST_SQUASHFS_TIME = 2 ** 32 - 1;

/** What mksquashfs is asked to do, kept as fields until the worker runs it, so nothing re-parses an argv by position. */
export interface SquashCommand {
  /** nice/ionice prefix, possibly empty. */
  prefix: string[];
  /** The tree to squash. */
  root: string;
  output: string;
  excludesFile: string;
  /** The image's own time (-mkfs-time), or null to leave it to the user's params or SOURCE_DATE_EPOCH. */
  mkfsTime: number | null;
  /** The user's mksquashfs_params, checked. */
  params: string[];
}

export function squashCommand(prefix: string[], root: string, output: string, excludesFile: string, params: string[]): SquashCommand {
  return { prefix, root, output, excludesFile, mkfsTime: null, params };
}

/**
 * The image's own time taken from the source (its newest file), so two builds of the same source are
 * byte-identical; unless the user chose one (-mkfs-time or -fstime) or SOURCE_DATE_EPOCH, which mksquashfs reads.
 * -all-time is no such choice: it dates the files, not the superblock, which would then carry the build's own time.
 */
export function withSourceTime(command: SquashCommand, seconds: number): SquashCommand {
  if (process.env.SOURCE_DATE_EPOCH || command.params.some((p) => p === '-mkfs-time' || p === '-fstime')) return command;
  // squashfs times are 32 bits: mksquashfs refuses a later -mkfs-time, so a file dated 2106 or later would fail every build.
  return { ...command, mkfsTime: Math.min(Math.max(0, Math.floor(seconds)), LAST_SQUASHFS_TIME) };
}

/** The argv, with extra options (the worker's pseudo files and exclude lists) before the user's params. */
export function mksquashfsArgv(command: SquashCommand, extra: string[] = []): string[] {
  const time = command.mkfsTime === null ? [] : ['-mkfs-time', String(command.mkfsTime)];
  return [...command.prefix, 'mksquashfs', command.root, command.output, '-noappend', '-wildcards', '-ef', command.excludesFile, ...time, ...extra, ...command.params];
}
