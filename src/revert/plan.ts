// Decides what a revert must do: the desired state is "the generation `steps` before the newest is active".
import type { LtspImageRevertOptions } from '../generated/ltsp_image_revert.js';
import { parseKernelPattern } from '../kernel/table.js';
import { ModuleError } from '../core/errors.js';
import { checkImageName, deriveImageName } from '../source/image-name.js';
import { allGenerations, readImageFiles, type Generation } from '../store/generations.js';
import { imagePaths, type ImagePaths } from '../layout/paths.js';
import { checkDirOption } from '../store/dirs.js';

export type RevertOptions = Required<LtspImageRevertOptions>;

export type RevertReason = 'reverted' | 'already_reverted' | 'forced';

export interface RevertPlan {
  imageName: string;
  paths: ImagePaths;
  swap: boolean;
  reason: RevertReason;
  active: Generation | null;
  target: Generation;
  /** Every other kept generation, newest first, as it will be after the swap. */
  others: Generation[];
  problems: string[];
}

/** A simple name is the image name; a path names its image as ltsp_image derives it (`/` is the machine). */
export function revertImageName(name: string): string {
  if (!name) throw new ModuleError('Option name is empty: give the image name, e.g. x86_64');
  const isPath = name.startsWith('/') || name.startsWith('.');
  const derived = isPath ? deriveImageName(name, name.endsWith('.img')) : name.replace(/\.img$/, '');
  return checkImageName(derived, 'name');
}

/** Checks the options and names the files, before anything is read or locked. */
export function revertPaths(options: RevertOptions): { imageName: string; paths: ImagePaths } {
  const baseDir = checkDirOption(options.base_dir, 'base_dir');
  const tftpDir = checkDirOption(options.tftp_dir, 'tftp_dir');
  if (options.kernel_initrd) parseKernelPattern(options.kernel_initrd);
  const imageName = revertImageName(options.name);
  return { imageName, paths: imagePaths(baseDir, tftpDir, imageName) };
}

export function planRevert(options: RevertOptions, imageName: string, paths: ImagePaths): RevertPlan {
  const files = readImageFiles(paths);
  if (!files.active && !files.backup) throw new ModuleError(`Cannot revert: there is no image ${imageName} in ${paths.imagesDir}; check the name (ltsp_image_info lists the images)`);
  if (!files.backup) throw new ModuleError(`Cannot revert, backup is missing: ${paths.backup}`);
  const generations = allGenerations(files);
  const wanted = generations[options.steps];
  if (!wanted) {
    throw new ModuleError(`Cannot revert ${options.steps} steps, only ${generations.length - 1} previous image(s) are kept in ${paths.imagesDir}; keep more with ltsp_image's keep option`);
  }
  const alreadyReverted = files.active !== null && wanted.file === files.active.file;
  // force on an image already reverted swaps it with the backup, as the reference tool's toggle does.
  const target = alreadyReverted && options.force ? files.backup : wanted;
  const swap = !alreadyReverted || options.force;
  const reason: RevertReason = !alreadyReverted ? 'reverted' : options.force ? 'forced' : 'already_reverted';
  const others = generations.filter((g) => g !== target);
  return { imageName, paths, swap, reason, active: files.active, target, others, problems: files.problems };
}
