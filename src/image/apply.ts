// Carries out a rebuild: the namespace worker, publishing by rename, the kernel install and the new state record.
import fs from 'node:fs';
import { workDirLayout } from '../layout/work-dir.js';
import { checkBeforePublishing, type BootReport } from '../steps/boot-check.js';
import type { CleanupStep } from '../cleanup/index.js';
import type { ReadinessFacts } from '../readiness/facts.js';
import { checkReadiness, type ReadinessReport } from '../steps/readiness.js';
import { installStaged, type KernelReport } from '../steps/kernel-from-image.js';
import type { StagedKernel, WorkerEvent } from '../namespace/protocol.js';
import { startWorker, type StartedWorker } from '../namespace/run-worker.js';
import type { Durations } from '../report/durations.js';
import { ModuleError, errorMessage } from '../core/errors.js';
import { failpoint } from '../core/failpoint.js';
import type { ModuleContext } from '../runtime/module.js';
import { pruneGenerations, type Kept, type Pruned } from '../store/prune.js';
import { publishImage } from '../store/publish.js';
import { recordKernel } from '../kernel/record.js';
import { keepManifest, pruneManifests } from '../store/manifests.js';
import { readImageFiles } from '../store/generations.js';
import { fsyncPathAsync } from '../fs/fsync.js';
import { sha256File } from '../fs/sha256.js';
import { clearVerdict } from '../store/verdict.js';
import { packageFacts, type PackageFacts } from '../steps/packages.js';
import { StreamMovedError, streamBeside } from '../scan/stream-beside.js';
import { stateOfBuild, type BuildRecord } from './build-record.js';
import type { BuildPlan, Options } from './plan.js';

export interface BuildOutcome {
  image: string;
  backup: string | null;
  pruned: string[];
  /** Generations pruning would remove but a client may still run, and why. */
  kept: Kept[];
  size: number;
  cleanup: CleanupStep[];
  kernel: KernelReport | null;
  newKernel: boolean;
  boot: BootReport | null;
  readiness: ReadinessReport | null;
  /** The mksquashfs argv that ran (see the worker's squash event). */
  command: string[] | null;
  packages: PackageFacts;
}

/** The worker's kernel phase finds the kernel in the tree; the parent's installs it to TFTP. */
function label(phase: string): string {
  return phase === 'kernel' ? 'find kernel' : phase;
}

interface Collected {
  cleanup: CleanupStep[];
  staged: StagedKernel | null;
  command: string[] | null;
  warnings: string[];
  facts: ReadinessFacts | null;
}

function collect(events: WorkerEvent[], durations: Durations): Collected {
  const warnings: string[] = [];
  let facts: ReadinessFacts | null = null;
  let cleanup: CleanupStep[] = [];
  let staged: StagedKernel | null = null;
  let command: string[] | null = null;
  for (const event of events) {
    if (event.type === 'phase') durations.add(event.phase, event.seconds);
    if (event.type === 'cleanup') cleanup = event.steps;
    if (event.type === 'kernel') staged = event.kernel;
    if (event.type === 'squash') command = event.argv;
    if (event.type === 'warning') warnings.push(event.message);
    if (event.type === 'readiness') facts = event.facts;
  }
  return { cleanup, staged, command, warnings, facts };
}


/** Runs with the image lock (and the sources' dpkg locks) held by the caller, and the work dir made. */
export async function applyBuild(
  plan: BuildPlan,
  options: Options,
  context: ModuleContext,
  durations: Durations,
  build: BuildRecord,
  worker: StartedWorker = startWorker(context.signal),
): Promise<BuildOutcome> {
  const stream = streamBeside(build.stream, worker, context.signal);
  if (build.overlayOnly) void context.log(`${plan.imageName}: mksquashfs reads the overlay, not the source, which has ${build.overlayOnly}`);
  try {
    const { events } = await worker
      .run(
        {
          workDir: plan.workDir,
          sources: plan.sources,
          overlay: options.overlay,
          cleanup: options.cleanup,
          excludes: plan.excludes,
          stableTime: build.newest,
          overlayOnly: build.overlayOnly,
          mksquashfs: plan.command,
          kernel: options.kernel ? { userPattern: options.kernel_initrd ?? null } : null,
          readiness: options.readiness !== 'off',
          progress: context.progress.live,
        },
        (event) => {
          if (event.type === 'start') context.progress.start(label(event.phase));
          if (event.type === 'progress') context.progress.advance(event.done, event.total);
          if (event.type === 'phase') {
            context.progress.end(label(event.phase), event.seconds);
            void context.log(`${plan.imageName}: ${event.phase} done in ${event.seconds.toFixed(1)} s`);
          }
        },
      )
      .catch(async (error: unknown) => {
        throw (await stream.moved()) ? new StreamMovedError() : error;
      });
    if (await stream.moved()) throw new StreamMovedError();
    const { cleanup, staged, command, warnings, facts } = collect(events, durations);
    warnings.forEach((warning) => context.warn(warning));
    const readiness = await checkReadiness(plan.imageName, plan.paths.tmp, facts, options, context);
    const boot = await checkBeforePublishing(plan, staged, options, context, durations, build);
    const packages = await durations.time('packages', () => packageFacts(plan.paths.tmp, fs.statSync(plan.paths.tmp).size, build.files.active, build.topSizes, context.signal));
    const published = await durations.time('publish', async () => {
      // Hashed while it goes to disk: publishing's own fsync then finds it flushed.
      const [sha256] = await Promise.all([sha256File(plan.paths.tmp), fsyncPathAsync(plan.paths.tmp)]);
      // Without backup, the displaced image is no backup to keep: only a client that may run it keeps it.
      const policy = { keep: options.backup ? options.keep : 1, keepDays: options.keep_days ?? null, graceHours: options.prune_grace };
      const state = { ...stateOfBuild(plan, build, staged && (await recordKernel(staged)), sha256, durations.total(), { boot, readiness }, packages), prune: policy };
      keepManifest(workDirLayout(plan.workDir).manifest, plan.paths, state.manifest!);
      const done = await publishImage(plan.paths, options.backup, build.files, state, new Date());
      let pruned: Pruned = { removed: [], kept: [] };
      try {
        pruned = pruneGenerations(readImageFiles(plan.paths), plan.paths.image, policy, Date.now());
        pruneManifests(plan.paths, plan.imageName);
        clearVerdict(plan.paths).forEach((file) => void context.log(`${plan.imageName}: removed ${file}: a newer image is published`));
      } catch (error) {
        context.warn(`Published ${done.image}, but could not prune older generations: ${errorMessage(error)}`);
      }
      return { ...done, pruned: pruned.removed, kept: pruned.kept };
    });
    await stream.keep((message) => context.warn(message));
    const size = fs.statSync(published.image).size;
    let kernel: KernelReport | null = null;
    let newKernel = false;
    if (options.kernel && staged) {
      const done = await durations
        .time('kernel', async () => {
          await failpoint('kernel-install');
          return installStaged(staged, plan.paths.tftpDir, plan.imageName);
        })
        .catch((error: unknown) => {
          const extra = { changed: true, backup: published.backup, pruned: published.pruned, kept: published.kept, size, cleanup };
          throw new ModuleError(`Published ${published.image}, but installing its kernel to TFTP failed: ${errorMessage(error)}; fix that and run again (it reinstalls the kernel without rebuilding)`, { ...extra, cause: error });
        });
      kernel = done.report;
      newKernel = done.isNew;
    } else if (options.kernel) {
      context.warn(`Could not locate vmlinuz and initrd.img in ${plan.sources[0]!.path}`);
    }
    return { image: published.image, backup: published.backup, pruned: published.pruned, kept: published.kept, size, cleanup, kernel, newKernel, boot, readiness, command, packages };
  } finally {
    stream.stop();
    fs.rmSync(plan.paths.tmp, { force: true });
  }
}
