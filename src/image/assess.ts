// What a run finds before acting: the image's files and record, the sources' fingerprint, the decision and the drift.
import path from 'node:path';
import { manifestDrift, type Drift } from '../fingerprint/sources.js';
import { ensureManifest } from '../scan/manifest.js';
import type { Intent, ScanRequest, StreamCheck, Vouched } from '../scan/request.js';
import { scanSources } from '../scan/scan.js';
import { earlierFormatOf, markCurrent } from '../scan/upgrade.js';
import { kernelInPlace } from '../kernel/record.js';
import type { Durations } from '../report/durations.js';
import { ModuleError, errorMessage } from '../core/errors.js';
import { failpoint } from '../core/failpoint.js';
import type { ModuleContext } from '../runtime/module.js';
import { nextGeneration, readImageFiles, type ImageFiles } from '../store/generations.js';
import { sha256File } from '../fs/sha256.js';
import { readVerdict } from '../store/verdict.js';
import { storesXattrs } from '../squashfs/params.js';
import { workDirLayout } from '../layout/work-dir.js';
import { buildConfig, configHash } from './config.js';
import { decide, type Decision } from './decide.js';
import { revertedFrom } from '../store/hold.js';
import type { BuildPlan, Options } from './plan.js';

export interface Assessment {
  files: ImageFiles;
  decision: Decision;
  drift: Drift | undefined;
  generation: number;
  config: ReturnType<typeof buildConfig>;
  configHash: string;
  fingerprint: string;
  /** How the scan knows the fingerprint (said in the log: whether the nightly run walked). */
  vouched: Vouched;
  identities: string[];
  newest: number;
  /** See FingerprintResult.overlayOnly. */
  overlayOnly: string | null;
  /** See Scan.topSizes. */
  topSizes: Record<string, number> | null;
  /** The stream to check beside the build (see Scan.stream). */
  stream?: StreamCheck;
}

/**
 * `onLikelyBuild`: the scan found the recorded stream moved, so a build will likely follow (see ScanRequest).
 * `trustRecord`: a forced build may take the walk record's word and check the stream beside mksquashfs; false
 * once such a check found the stream moved.
 */
export async function assess(
  plan: BuildPlan,
  options: Options,
  context: ModuleContext,
  durations: Durations,
  { onLikelyBuild, trustRecord = true }: { onLikelyBuild?: () => void; trustRecord?: boolean } = {},
): Promise<Assessment> {
  const files = readImageFiles(plan.paths);
  const config = buildConfig(plan.sources, plan.excludes, { ...options, mksquashfs_params: plan.params });
  const hash = configHash(config);
  await failpoint('fingerprint');
  const state = files.active?.state;
  const reverted = revertedFrom(files);
  const write = !context.checkMode;
  const request: ScanRequest = {
    sources: plan.sources,
    excludes: plan.excludes,
    compare: options.compare,
    cleanup: options.cleanup,
    overlay: options.overlay,
    xattrs: storesXattrs(plan.params),
    workDir: plan.workDir,
    records: {
      checksumCache: write ? plan.paths.checksumCache : null,
      walkRecord: plan.paths.walkRecord,
      xattrRecord: { file: plan.paths.xattrRecord, stagedTo: workDirLayout(plan.workDir).xattrRecord },
      write,
    },
    recorded: {
      fingerprint: state?.fingerprint ?? null,
      manifest: state?.manifest ? path.join(plan.paths.imagesDir, state.manifest) : null,
      held: reverted?.configHash === hash ? reverted.fingerprint : null,
      earlier: earlierFormatOf(state),
    },
    intent: intentOf(options, write && trustRecord, !!state && state.configHash !== hash),
    signal: context.signal,
    ...(onLikelyBuild ? { onLikelyBuild } : {}),
  };
  let scan = await durations.time('fingerprint', () => scanSources(request));
  const verdict = readVerdict(plan.paths);
  if ('invalid' in verdict) context.warn(`${verdict.invalid}; it is ignored, so an image that failed its boot check could be published unchecked: remove it, or run with boot_check: true`);
  const decision = decide({
    force: options.force,
    freeze: options.freeze,
    files,
    config,
    configHash: hash,
    fingerprint: scan.fingerprint,
    earlierFingerprint: scan.earlier,
    imageSha256: options.verify && files.active ? await durations.time('verify', () => sha256File(plan.paths.image)) : null,
    kernelInPlace: options.kernel && state ? await kernelInPlace(state.kernel, plan.paths.tftpDir, plan.imageName) : null,
    bootCheck: options.boot_check,
    rejected: 'verdict' in verdict ? verdict.verdict : null,
  });
  const previous = decision.previous;
  if (write && !decision.build && !options.freeze && previous && earlierFormatOf(previous) && previous.fingerprint === scan.fingerprint) markCurrent(plan.paths.image, previous);
  if (decision.build && write) scan = await durations.time('fingerprint', () => ensureManifest(request, scan));
  // Only a run that rebuilds says so: a bad record of a backup changes nothing here.
  files.problems.forEach((p) => context.warn(decision.build ? `${p}; ${context.checkMode ? 'would rebuild' : 'rebuilding'}` : p));
  const previousManifest = previous?.manifest ? path.join(plan.paths.imagesDir, previous.manifest) : null;
  const drifted = (decision.pending ?? decision.reason) === 'source_changed' && previousManifest !== null;
  if (drifted) await failpoint('drift', context.signal);
  const drift =
    drifted && previousManifest
      ? await manifestDrift({
          oldManifest: previousManifest,
          newManifest: workDirLayout(plan.workDir).manifest,
          oldIdentities: previous?.sourceIdentities ?? [],
          newIdentities: scan.identities,
          signal: context.signal,
          warn: (m) => context.warn(m),
        }).catch((error: unknown) => {
          // The run was interrupted while it compared manifests: the message says where, as the boot check's does.
          throw context.signal.aborted && error === context.signal.reason ? new ModuleError(`${errorMessage(error)} (during the drift report)`) : error;
        })
      : undefined;
  const { fingerprint, vouched, identities, newest, overlayOnly, topSizes, stream } = scan;
  const assessed = { files, decision, drift, generation: nextGeneration(files), config, configHash: hash, fingerprint, vouched, identities, newest, overlayOnly, topSizes };
  return stream ? { ...assessed, stream } : assessed;
}

/** A forced run that may publish may take the walk record's word; one that builds anyway writes its manifest at once. */
function intentOf(options: Options, mayTrust: boolean, reconfigured: boolean): Intent {
  if (options.force && mayTrust && !options.freeze) return 'forced';
  return options.force || reconfigured ? 'manifest' : 'compare';
}
