// The ltsp_image module: resolve, lock, fingerprint, decide; stop there in check mode or when nothing changed, else rebuild or repair TFTP.
import fs from 'node:fs';
import { mksquashfsArgv, withSourceTime } from '../squashfs/command.js';
import type { LtspImageOptions, LtspImageResult } from '../generated/ltsp_image.js';
import { installKernelFromImage } from '../steps/kernel-from-image.js';
import { aroundApplet } from '../steps/around-applet.js';
import { Durations } from '../report/durations.js';
import { formatBytes, formatSeconds } from '../report/format.js';
import { ModuleError, errorMessage } from '../core/errors.js';
import type { ModuleContext, RunResult } from '../runtime/module.js';
import type { HeldLock } from '../store/lock.js';
import { ensureImagesDir } from '../layout/paths.js';
import { removeLeftovers, worthWarning } from '../store/leftovers.js';
import { moveInto } from '../fs/temp-file.js';
import { makeWorkDir, removeStaleWorkDirs, removeWorkDir, workDirLayout } from '../layout/work-dir.js';
import { startWorker } from '../namespace/run-worker.js';
import { applyBuild } from './apply.js';
import type { Vouched } from '../scan/request.js';
import { StreamMovedError } from '../scan/stream-beside.js';
import { assess } from './assess.js';
import { driftDiff } from './diff.js';
import { lockImage, lockPackageManagers } from '../steps/locks.js';
import { planBuild, type BuildPlan, type Options } from './plan.js';
import { activeSize, driftLine, keptNote, recordMetrics, reproducibility, sourceReport, summary } from './report.js';
import { checkKernelDestinations, checkMetricsFile } from './preflight.js';
import { checkBootRequirements, checkFailedPath } from '../boot/requirements.js';
import { checkModeNote, readinessLine } from '../steps/readiness.js';
import { packagesDiff, packagesWouldChange, reportFacts } from '../steps/packages-report.js';

/** How the scan knew, in the log line of its decision: whether a nightly run walked the source. */
const SCANNED: Record<Vouched, string> = {
  walk: 'source walked',
  stream: "source not walked: find's stat stream is the one the walk record vouches for",
  record: "source not walked: the walk record's word, checked beside the build",
};

/** Writes the metrics file (never in check mode) whatever the outcome, failures included. */
export async function runLtspImage(input: LtspImageOptions, context: ModuleContext): Promise<RunResult<LtspImageResult>> {
  let options = input as Options;
  let plan: BuildPlan | undefined;
  const metrics = !context.checkMode && options.metrics_file ? options.metrics_file : null;
  let result: RunResult<LtspImageResult>;
  try {
    result = await aroundApplet(options, context, (applied) => build((options = applied), context, (p) => (plan = p)));
  } catch (error) {
    // A metrics file the checks refused is not written to; one that fails now must not hide why the run failed.
    if (metrics) {
      try {
        if (!plan) checkMetricsFile(metrics);
        recordMetrics(metrics, plan, 'failed', null, options.image_name ?? options.name, error instanceof ModuleError ? error.extra.boot : null);
      } catch (metricsError) {
        context.warn(`Could not write metrics_file ${metrics}: ${errorMessage(metricsError)}`);
      }
    }
    await context.log(`failed: ${(error as Error).message}`);
    throw error;
  }
  if (metrics) {
    try {
      recordMetrics(metrics, plan!, result.changed ? 'changed' : 'ok', result);
    } catch (error) {
      throw new ModuleError(`${result.msg}; but writing metrics_file ${metrics} failed: ${errorMessage(error)}`, { ...result, cause: error });
    }
  }
  await context.log(String(result.msg));
  return result;
}

async function build(options: Options, context: ModuleContext, planned: (plan: BuildPlan) => void): Promise<RunResult<LtspImageResult>> {
  const durations = new Durations(context.progress);
  const plan = await durations.time('resolve', () => planBuild(options, context.signal));
  if (options.metrics_file) checkMetricsFile(options.metrics_file);
  if (options.kernel) checkKernelDestinations(plan.paths.tftpDir, plan.imageName);
  if (options.boot_check) {
    checkBootRequirements(plan.paths.tftpDir, options.kernel);
    checkFailedPath(plan.paths.failed);
  }
  planned(plan);
  await context.log(`${plan.imageName}: resolved ${plan.sources.map((s) => `${s.path} (${s.kind})`).join(', ')}`);
  const locks: HeldLock[] = [];
  let workDirMade = false;
  // A build known before the scan (forced) or likely from it (the recorded stream moved): the worker's program loads meanwhile.
  const mayBuild = !options.freeze && !context.checkMode;
  let worker = options.force && mayBuild ? startWorker(context.signal) : undefined;
  try {
    if (!context.checkMode) {
      ensureImagesDir(plan.paths);
      locks.push(await lockImage(plan.paths, options.lock_timeout, context));
      removeLeftovers(plan.paths).filter(worthWarning).forEach((line) => context.warn(line));
      removeStaleWorkDirs(plan.imageName, plan.paths.imagesDir).forEach((problem) => context.warn(problem));
      locks.push(...(await lockPackageManagers(plan.sources, options.lock_timeout, context)));
    }
    makeWorkDir(plan.workDir, plan.excludes);
    workDirMade = true;
    const result = await decideAndApply(true).catch(async (error: unknown) => {
      if (!(error instanceof StreamMovedError)) throw error;
      // The forced build took the record's word and the stream moved beside it: this time the tree is walked first.
      // A change just before a forced run is an everyday playbook, so this is said in the log, not as a warning.
      await context.log(`${plan.imageName}: the source changed since its last scan while the forced build started; building again after a full scan`);
      const problem = removeWorkDir(plan.workDir);
      if (problem) throw new ModuleError(problem);
      makeWorkDir(plan.workDir, plan.excludes);
      worker = startWorker(context.signal);
      return decideAndApply(false);
    });
    // The walk's new xattr record replaces the old one only now: a failed run changes nothing beside the image.
    const staged = workDirLayout(plan.workDir).xattrRecord;
    if (fs.existsSync(staged)) moveInto(staged, plan.paths.xattrRecord);
    return result;
  } finally {
    await worker?.cancel();
    if (workDirMade) {
      const problem = removeWorkDir(plan.workDir);
      if (problem) context.warn(problem);
    }
    await Promise.all(locks.map((lock) => lock.release()));
  }

  /** `trustRecord`: see assess; a build that finds the stream moved throws StreamMovedError, having published nothing. */
  async function decideAndApply(trustRecord: boolean): Promise<RunResult<LtspImageResult>> {
    const onLikelyBuild = () => {
      if (mayBuild) worker ??= startWorker(context.signal);
    };
    const a = await assess(plan, options, context, durations, { onLikelyBuild, trustRecord });
    const { decision } = a;
    await context.log(`${plan.imageName}: ${decision.reason}: ${decision.why} (${SCANNED[a.vouched]})`);
    if (a.drift) await context.log(`${plan.imageName}: drifted paths: ${driftLine(a.drift)}`);
    const changed = decision.build || decision.kernelOnly;
    const command = withSourceTime(plan.command, a.newest);
    const would = context.checkMode && decision.build ? await packagesWouldChange(plan.sources, plan.excludes, a.files.active) : null;
    const diff = context.diff && changed && a.drift ? await driftDiff(plan.paths.image, a.drift, plan.sources) : null;
    if (diff && would?.packages) {
      const lines = packagesDiff(would.packages);
      Object.assign(diff, { before: lines.before + diff.before, after: lines.after + diff.after });
    }
    const common = {
      image: plan.paths.image,
      image_name: plan.imageName,
      source: sourceReport(plan),
      reason: decision.reason,
      ...(decision.pending ? { pending: decision.pending } : {}),
      ...(a.drift ? { drift: a.drift } : {}),
      ...(decision.configChanges ? { config_changes: decision.configChanges } : {}),
      ...(diff ? { diff } : {}),
      excluded: plan.excludes.length,
      command: mksquashfsArgv(command),
    };
    const generation = decision.build ? a.generation : (decision.previous?.generation ?? null);
    // Not a state to leave quietly: whatever playbook runs next, it fails until the state is checked, changed or forced.
    if (decision.reason === 'rejected') {
      throw new ModuleError(`${plan.imageName}: not published: ${decision.why}; the image it builds is kept as ${plan.paths.failed}`, { changed: false, ...common, generation });
    }
    if (!changed || context.checkMode) {
      const bootNote = context.checkMode && decision.build ? checkModeNote(options) : '';
      if (would) await context.log(`${plan.imageName}: packages: ${would.packages_summary}`);
      return { changed, msg: summary(plan, a.decision, a.drift, context.checkMode, would?.packages_summary) + bootNote, ...common, ...would, generation, ...activeSize(a.files), durations: durations.toJSON() };
    }
    if (decision.kernelOnly) {
      const kernel = await durations.time('kernel', () =>
        installKernelFromImage(plan.paths.image, plan.paths.tftpDir, plan.imageName, options.kernel_initrd ?? null, context.signal),
      );
      return { changed: true, msg: summary(plan, a.decision, a.drift, false), ...common, generation, ...activeSize(a.files), kernel: kernel?.report ?? null, durations: durations.toJSON() };
    }
    const { decision: _, ...measured } = a;
    const record = { ...measured, reason: decision.reason, drift: a.drift ?? null, configChanges: decision.configChanges ?? null };
    const outcome = await applyBuild({ ...plan, command }, options, context, durations, record, worker).catch((error: unknown) => {
      // Failed after publishing: the run did change the image, and says so with everything a changed run reports.
      if (error instanceof ModuleError && error.extra.changed) Object.assign(error.extra, { ...common, generation, durations: durations.toJSON() }, { ...error.extra });
      throw error;
    });
    const hint = outcome.newKernel ? '; to update the iPXE menu, run: ltsp ipxe' : '';
    const readiness = readinessLine(outcome.readiness);
    const ready = readiness ? `; ${readiness}` : '';
    const facts = await reportFacts(plan.imageName, outcome.packages, options.growth_warning, context);
    return {
      changed: true,
      msg: `${summary(plan, a.decision, a.drift, false, facts.packages_summary)}; ${formatBytes(outcome.size)} in ${formatSeconds(durations.total())}${keptNote(outcome.kept)}${ready}${hint}`,
      ...common,
      ...facts,
      ...(outcome.command ? { command: outcome.command } : {}),
      generation,
      backup: outcome.backup,
      pruned: outcome.pruned,
      kept: outcome.kept,
      size: outcome.size,
      kernel: outcome.kernel,
      ...(outcome.boot ? { boot: outcome.boot } : {}),
      ...(outcome.readiness ? { readiness: outcome.readiness } : {}),
      cleanup: outcome.cleanup,
      ...reproducibility(outcome.cleanup),
      durations: durations.toJSON(),
    };
  }
}
