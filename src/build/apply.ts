// Carries out a BuildPlan: locks, the namespace worker, publishing by rename, and the kernel install, undoing partial work on failure.
import fs from 'node:fs';
import type { CleanupStep } from '../cleanup/index.js';
import { installKernel } from '../kernel/install.js';
import type { StagedKernel, WorkerEvent } from '../namespace/protocol.js';
import { runWorker } from '../namespace/run-worker.js';
import type { Durations } from '../report/durations.js';
import type { ModuleContext } from '../runtime/module.js';
import { publishImage, removeLeftovers } from '../store/publish.js';
import { ensureImagesDir } from '../store/paths.js';
import { makeWorkDir, removeStaleWorkDirs, removeWorkDir } from '../store/work-dir.js';
import type { HeldLock } from '../store/lock.js';
import { lockImage, lockPackageManagers } from './locks.js';
import type { BuildPlan, Options } from './plan.js';

export interface KernelReport {
  vmlinuz: string;
  initrd: string;
  source_vmlinuz: string;
  source_initrd: string;
  changed: boolean;
}

export interface BuildOutcome {
  image: string;
  backup: string | null;
  size: number;
  cleanup: CleanupStep[];
  kernel: KernelReport | null;
  newKernel: boolean;
}

function collect(events: WorkerEvent[], durations: Durations): { cleanup: CleanupStep[]; staged: StagedKernel | null } {
  let cleanup: CleanupStep[] = [];
  let staged: StagedKernel | null = null;
  for (const event of events) {
    if (event.type === 'phase') durations.add(event.phase, event.seconds);
    if (event.type === 'cleanup') cleanup = event.steps;
    if (event.type === 'kernel') staged = event.kernel;
  }
  return { cleanup, staged };
}

async function install(plan: BuildPlan, staged: StagedKernel, name: string): Promise<{ report: KernelReport; isNew: boolean }> {
  const done = await installKernel({ vmlinuzPath: staged.vmlinuzPath, initrdPath: staged.initrdPath }, plan.paths.tftpDir, name);
  return {
    report: { vmlinuz: done.vmlinuz, initrd: done.initrd, source_vmlinuz: staged.vmlinuz, source_initrd: staged.initrd, changed: done.changed },
    isNew: done.newVmlinuz,
  };
}

export async function applyBuild(plan: BuildPlan, options: Options, context: ModuleContext, durations: Durations): Promise<BuildOutcome> {
  ensureImagesDir(plan.paths);
  const locks: HeldLock[] = [await lockImage(plan.paths, options.lock_timeout, context)];
  let workDirMade = false;
  try {
    removeLeftovers(plan.paths);
    removeStaleWorkDirs(plan.imageName);
    locks.push(...(await lockPackageManagers(plan.sources, options.lock_timeout, context)));
    makeWorkDir(plan.workDir, plan.excludes);
    workDirMade = true;
    const { events } = await runWorker(
      {
        workDir: plan.workDir,
        sources: plan.sources,
        overlay: options.overlay,
        cleanup: options.cleanup,
        mksquashfs: plan.command,
        kernel: options.kernel ? { userPattern: options.kernel_initrd ?? null } : null,
      },
      context.signal,
    );
    const { cleanup, staged } = collect(events, durations);
    const published = await durations.time('publish', () => publishImage(plan.paths, options.backup));
    const size = fs.statSync(published.image).size;
    let kernel: KernelReport | null = null;
    let newKernel = false;
    if (options.kernel && staged) {
      const done = await durations.time('kernel', () => install(plan, staged, plan.imageName));
      kernel = done.report;
      newKernel = done.isNew;
    } else if (options.kernel) {
      context.warn(`Could not locate vmlinuz and initrd.img in ${plan.sources[0]!.path}`);
    }
    return { image: published.image, backup: published.backup, size, cleanup, kernel, newKernel };
  } finally {
    fs.rmSync(plan.paths.tmp, { force: true });
    if (workDirMade) {
      const problem = removeWorkDir(plan.workDir);
      if (problem) context.warn(problem);
    }
    await Promise.all(locks.map((lock) => lock.release()));
  }
}
