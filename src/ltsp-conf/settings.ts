// Which ltsp.conf variables become which ltsp_image options, read the way `ltsp image` reads them.
import path from 'node:path';
import type { LtspImageOptions } from '../generated/ltsp_image.js';
import type { Assigned } from './evaluate.js';
import { confError } from './located.js';

/** The options the file can set. */
export type ConfOptions = Partial<
  Pick<LtspImageOptions, 'base_dir' | 'tftp_dir' | 'backup' | 'cleanup' | 'ionice' | 'kernel_initrd' | 'mksquashfs_params' | 'add_image_excludes' | 'omit_image_excludes'>
>;

type Reader = (value: string, at: { file: string; line: number; variable: string }, warn: (message: string) => void) => ConfOptions[keyof ConfOptions];

function directory(value: string, at: { file: string; line: number; variable: string }): string {
  if (!path.isAbsolute(value)) throw confError(at.file, at.line, `${at.variable}=${JSON.stringify(value)} is not an absolute path`, 'give an absolute path');
  return value;
}

/** The reference tests `[ "$BACKUP" != 0 ]`: only 0 turns it off. */
const flag: Reader = (value, at, warn) => {
  if (value !== '0' && value !== '1') warn(`${at.file}:${at.line}: ${at.variable}=${JSON.stringify(value)} is taken as 1, as ltsp image does: only 0 turns it off`);
  return value !== '0';
};

/** Empty means unset for these: the reference tests them with ${VAR:+...} or -z. */
const unlessEmpty: Reader = (value) => (value === '' ? null : value);

export const SETTINGS: Record<string, { option: keyof ConfOptions; read: Reader }> = {
  BASE_DIR: { option: 'base_dir', read: (v, at) => directory(v, at) },
  TFTP_DIR: { option: 'tftp_dir', read: (v, at) => directory(v, at) },
  BACKUP: { option: 'backup', read: flag },
  CLEANUP: { option: 'cleanup', read: flag },
  // Set but empty is "no prefix", unlike unset: keep it as given.
  IONICE: { option: 'ionice', read: (v) => v },
  KERNEL_INITRD: { option: 'kernel_initrd', read: unlessEmpty },
  MKSQUASHFS_PARAMS: { option: 'mksquashfs_params', read: (v) => v },
  ADD_IMAGE_EXCLUDES: { option: 'add_image_excludes', read: unlessEmpty },
  OMIT_IMAGE_EXCLUDES: { option: 'omit_image_excludes', read: unlessEmpty },
};

/** The options the file sets, and for each the file:line it came from. */
/** given: options set explicitly, which win, so their variables are not even read. */
export function confOptions(
  file: string,
  assigned: Map<string, Assigned>,
  given: ReadonlySet<string>,
  warn: (message: string) => void,
): { options: ConfOptions; origins: Record<string, string> } {
  const options: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const [variable, { option, read }] of Object.entries(SETTINGS)) {
    const set = assigned.get(variable);
    if (!set || given.has(option)) continue;
    options[option] = read(set.value, { file, line: set.line, variable }, warn);
    origins[option] = `${file}:${set.line}`;
  }
  return { options: options as ConfOptions, origins };
}
