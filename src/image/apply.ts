// Carries out a rebuild: the namespace worker, publishing by rename, the kernel install and the new state record.
import fs from 'node:fs';
import { workDirLayout } from '../layout/work-dir.js';
import { checkBeforePublishing, type BootReport } from '../steps/boot-check.js';
import type { CleanupStep } from '../cleanup/index.js';
import type { ReadinessFacts } from '../readiness/facts.js';
import { checkReadiness, type ReadinessReport } from '../steps/readiness.js';
import { installStaged, type KernelReport } from '../steps/kernel-from-image.js';
import { recordKernel, type KernelRecord } from '../kernel/record.js';
import type { StagedKernel, WorkerEvent } from '../namespace/protocol.js';
import { startWorker, type StartedWorker } from '../namespace/run-worker.js';
import type { Durations } from '../report/durations.js';
import { ModuleError, errorMessage } from '../core/errors.js';
import { failpoint } from '../core/failpoint.js';
import type { ModuleContext } from '../runtime/module.js';
import { keepManifest, manifestName, pruneManifests } from '../store/manifests.js';
import { readImageFiles, type ImageFiles } from '../store/generations.js';
import { withHistory } from '../store/history.js';
import { pruneGenerations, type Kept, type Pruned } from '../store/prune.js';
import { publishImage } from '../store/publish.js';
import { fsyncPathAsync } from '../fs/fsync.js';
import { sha256File } from '../fs/sha256.js';
import { identityOf, STATE_FORMAT, type ImageState } from '../store/state.js';
import { stateRecordOf } from '../source/state-record.js';
import { clearVerdict } from '../store/verdict.js';
import type { Drift } from '../fingerprint/sources.js';
import type { StreamCheck } from '../scan/request.js';
import { packageFacts, type PackageFacts } from '../steps/packages.js';
import { TOOL_VERSION } from '../generated/version.js';
import { StreamMovedError, streamBeside } from '../scan/stream-beside.js';
import type { BuildConfig } from './config.js';
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

export interface BuildRecord {
  files: ImageFiles;
  /** The source's newest time: the image's time and the time of files cleanup creates. */
  newest: number;
  /** See FingerprintResult.overlayOnly: then mksquashfs reads the overlay, not the source. */
  overlayOnly: string | null;
  /** See Scan.topSizes: null lists the new image for them. */
  topSizes: Record<string, number> | null;
  generation: number;
  fingerprint: string;
  identities: string[];
  config: BuildConfig;
  configHash: string;
  /** Why this build happens, recorded in the state file and its history. */
  reason: string;
  drift: Drift | null;
  configChanges: string[] | null;
  /** The scan's stream, taken again while the worker builds (see Scan.stream). */
  stream?: StreamCheck;
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


interface Checks {
  boot: BootReport | null;
  readiness: ReadinessReport | null;
}

function record(plan: BuildPlan, build: BuildRecord, kernel: KernelRecord | null, sha256: string, seconds: number, { boot, readiness }: Checks, facts: PackageFacts): ImageState {
  const identity = identityOf(plan.paths.tmp);
  if (!identity) throw new Error(`${plan.paths.tmp} vanished before it was published`);
  const drift = build.drift ? { added: build.drift.added, removed: build.drift.removed, modified: build.drift.modified } : null;
  const builtAt = new Date().toISOString();
  const bootCheck = boot ? { at: builtAt, seconds: boot.seconds, accel: boot.accel } : null;
  const entry = { generation: build.generation, builtAt, buildSeconds: seconds, reason: build.reason, drift, configChanges: build.configChanges, size: identity.size, sizeDelta: facts.growth.delta, packages: facts.packages ? facts.packagesSummary : null, bootCheck };
  return {
    format: STATE_FORMAT,
    toolVersion: TOOL_VERSION,
    imageName: plan.imageName,
    generation: build.generation,
    builtAt,
    buildSeconds: seconds,
    sources: plan.sources.map((s) => s.path),
    fingerprint: build.fingerprint,
    xattrsCompared: true,
    linksCompared: true,
    compare: build.config.compare as ImageState['compare'],
    configHash: build.configHash,
    config: build.config as unknown as Record<string, unknown>,
    resolvedSources: plan.sources.map(stateRecordOf),
    excludes: plan.excludes,
    sourceIdentities: build.identities,
    image: { ...identity, sha256 },
    kernel,
    manifest: manifestName(plan.imageName, build.generation),
    reason: build.reason,
    drift,
    configChanges: build.configChanges,
    history: withHistory(build.files, entry),
    bootCheck,
    readiness,
    packageList: facts.packageList,
    packages: facts.packages,
    packagesSummary: facts.packagesSummary,
    topSizes: facts.topSizes,
    growth: facts.growth,
  };
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
      const state = { ...record(plan, build, staged && (await recordKernel(staged)), sha256, durations.total(), { boot, readiness }, packages), prune: policy };
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
