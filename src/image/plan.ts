// Inspects the world into a plain-data BuildPlan: which sources, which image, which excludes and which exact mksquashfs argv.
import type { LtspImageOptions } from '../generated/ltsp_image.js';
import { parseKernelPattern } from '../kernel/table.js';
import { ModuleError } from '../core/errors.js';
import { failpoint } from '../core/failpoint.js';
import { checkMksquashfs, ionicePrefix, splitParams, squashCommand, type SquashCommand } from '../squashfs/command.js';
import { effectiveExcludes } from '../squashfs/excludes.js';
import { checkParams } from '../squashfs/params.js';
import { refuseNonConvergent } from '../source/converge.js';
import { withFstabMounts } from '../steps/disk-fstab.js';
import { resolveSources, type ResolvedSource } from '../source/resolve.js';
import { imagePaths, type ImagePaths } from '../layout/paths.js';
import { checkDirOption } from '../store/dirs.js';
import { newWorkDirPath, workDirLayout } from '../layout/work-dir.js';

export type Options = Required<Omit<LtspImageOptions, 'image_name'>> & Pick<LtspImageOptions, 'image_name'>;

export interface BuildPlan {
  imageName: string;
  sources: ResolvedSource[];
  paths: ImagePaths;
  excludes: string[];
  /** A fresh 0700 directory for the mounts, the exclude file and the staged kernel. */
  workDir: string;
  /** The user's mksquashfs_params, checked, less -e (its paths are in `excludes`). */
  params: string[];
  command: SquashCommand;
}

export function checkOptions(options: Options): void {
  if (!options.overlay && options.cleanup) {
    throw new ModuleError("Can't clean up without overlay: set cleanup: false when overlay is false");
  }
  if (options.freeze && options.force) {
    throw new ModuleError('Options freeze and force contradict each other: drop force to leave the image alone, or drop freeze to rebuild it');
  }
  if (options.kernel_initrd) parseKernelPattern(options.kernel_initrd);
}

export async function planBuild(options: Options, signal: AbortSignal): Promise<BuildPlan> {
  await failpoint('resolve');
  const baseDir = checkDirOption(options.base_dir, 'base_dir');
  const tftpDir = checkDirOption(options.tftp_dir, 'tftp_dir');
  checkOptions(options);
  const resolved = await resolveSources(options.name, baseDir, options.image_name);
  const imageName = resolved.imageName;
  const paths = imagePaths(baseDir, tftpDir, imageName);
  const { params, excludes: fromParams } = checkParams(splitParams(options.mksquashfs_params));
  const excludes = effectiveExcludes(options, fromParams);
  checkMksquashfs();
  const sources = await withFstabMounts(resolved, excludes, signal);
  refuseNonConvergent(sources, paths, imageName, excludes);
  const workDir = newWorkDirPath(imageName, paths.imagesDir);
  const layout = workDirLayout(workDir);
  const command = squashCommand(ionicePrefix(options.ionice), layout.root, paths.tmp, layout.excludes, params);
  return { imageName, sources, paths, excludes, workDir, params, command };
}
