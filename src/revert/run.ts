// The ltsp_image_revert module: plan, stop there in check mode or when already reverted, else swap by renames and reinstall the kernel.
import fs from 'node:fs';
import { aroundApplet } from '../steps/around-applet.js';
import type { LtspImageRevertOptions, LtspImageRevertResult } from '../generated/ltsp_image_revert.js';
import { installKernelFromImage, type InstalledKernel } from '../steps/kernel-from-image.js';
import type { ModuleContext, RunResult } from '../runtime/module.js';
import { lockImage } from '../steps/locks.js';
import type { Generation } from '../store/generations.js';
import { removeLeftovers, worthWarning } from '../store/leftovers.js';
import { activate } from '../store/swap.js';
import { removeStaleWorkDirs } from '../layout/work-dir.js';
import { planRevert, revertPaths, type RevertOptions, type RevertPlan } from './plan.js';

function describe(g: Generation | null): string {
  if (!g) return 'none';
  const when = new Date(g.state?.builtAt ?? g.mtimeMs).toISOString();
  return g.state ? `generation ${g.state.generation}, built ${when}` : `built ${when}`;
}

function diff(plan: RevertPlan): Record<string, string> {
  return {
    before: `active: ${describe(plan.active)}\n`,
    after: `active: ${describe(plan.target)}\n`,
  };
}

async function swap(plan: RevertPlan, options: RevertOptions, context: ModuleContext): Promise<InstalledKernel | null> {
  await activate(plan.paths, plan.target, plan.others, plan.active, new Date());
  await context.log(`${plan.imageName}: ${describe(plan.target)} is active`);
  if (!options.kernel) return null;
  const kernel = await installKernelFromImage(plan.paths.image, plan.paths.tftpDir, plan.imageName, options.kernel_initrd, context.signal);
  if (!kernel) context.warn(`Could not locate vmlinuz and initrd.img in ${plan.paths.image}`);
  return kernel;
}

/** Under the image lock (outside check mode), an interrupted earlier swap is completed before the plan is made. */
export async function runLtspImageRevert(input: LtspImageRevertOptions, context: ModuleContext): Promise<RunResult<LtspImageRevertResult>> {
  // `ltsp image -r` is the image applet too: ltsp.conf's PRE_IMAGE_*/POST_IMAGE_* hooks run around it, and its `ltsp kernel` run takes KERNEL_INITRD from the file.
  return aroundApplet(input as RevertOptions, context, (options) => revertLocked(options, context), {
    only: ['base_dir', 'tftp_dir', 'kernel_initrd'],
    verb: 'reverted',
  });
}

async function revertLocked(options: RevertOptions, context: ModuleContext): Promise<RunResult<LtspImageRevertResult>> {
  const { imageName, paths } = revertPaths(options);
  const lock = !context.checkMode && fs.existsSync(paths.imagesDir) ? await lockImage(paths, 600, context) : null;
  try {
    if (lock) {
      removeLeftovers(paths).filter(worthWarning).forEach((line) => context.warn(line));
      removeStaleWorkDirs(imageName, paths.imagesDir).forEach((problem) => context.warn(problem));
    }
    return await revert(planRevert(options, imageName, paths), options, context);
  } finally {
    await lock?.release();
  }
}

async function revert(plan: RevertPlan, options: RevertOptions, context: ModuleContext): Promise<RunResult<LtspImageRevertResult>> {
  plan.problems.forEach((p) => context.warn(p));
  const nowActive = plan.swap ? plan.target : plan.active;
  const newestOther = plan.swap ? plan.others[0] : plan.others.find((g) => g !== plan.active);
  const generations = {
    active_generation: nowActive?.state?.generation ?? null,
    previous_generation: newestOther?.state?.generation ?? null,
  };
  const common = { image: plan.paths.image, reason: plan.reason, ...generations, ...(context.diff && plan.swap ? { diff: diff(plan) } : {}) };
  if (!plan.swap) {
    return { changed: false, msg: `${plan.imageName} is already reverted: ${describe(plan.active)} is active; use force: true to swap with the backup anyway`, ...common };
  }
  if (context.checkMode) return { changed: true, msg: `Would revert ${plan.imageName}: ${describe(plan.target)} would become active`, ...common };
  const kernel = await swap(plan, options, context);
  const hint = kernel?.isNew ? '; to update the iPXE menu, run: ltsp ipxe' : '';
  return { changed: true, msg: `Reverted ${plan.imageName}: ${describe(plan.target)} is active, the newest other image is ${plan.paths.backup}${hint}`, ...common, kernel: kernel?.report ?? null };
}
