// What a run finds before acting: the image's files and record, the sources' fingerprint, the decision and the drift.
import fs from 'node:fs';
import path from 'node:path';
import { manifestDrift, type Drift, type StreamCheck } from '../fingerprint/sources.js';
import { fingerprintSources } from '../steps/scan-sources.js';
import { kernelInPlace } from '../kernel/record.js';
import type { Durations } from '../report/durations.js';
import { ModuleError, errorMessage } from '../core/errors.js';
import { failpoint } from '../core/failpoint.js';
import type { ModuleContext } from '../runtime/module.js';
import { nextGeneration, readImageFiles, type ImageFiles } from '../store/generations.js';
import { sha256File } from '../fs/sha256.js';
import { writeState, type ImageState } from '../store/state.js';
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
  identities: string[];
  newest: number;
  /** See FingerprintResult.overlayOnly. */
  overlayOnly: string | null;
  /** See SourceScan.topSizes. */
  topSizes: Record<string, number> | null;
  /** The stream to check beside the build (see SourceScan.stream). */
  stream?: StreamCheck;
}

/**
 * `onLikelyBuild`: the scan found the recorded stream moved, so a build will likely follow (see SourceScanOptions).
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
  const layout = workDirLayout(plan.workDir);
  const manifest = layout.manifest;
  await failpoint('fingerprint');
  // `held`: only the first scan may answer with the reverted build's fingerprint; the second must write a manifest.
  const fingerprint = (expected: string | null, building = false, held: string | null = null) =>
    durations.time('fingerprint', () =>
      fingerprintSources(plan.sources, {
        excludes: plan.excludes,
        cleanup: options.cleanup,
        compare: options.compare,
        overlay: options.overlay,
        workDir: plan.workDir,
        cacheFile: context.checkMode ? null : plan.paths.checksumCache,
        walkRecord: { file: plan.paths.walkRecord, write: !context.checkMode },
        xattrs: storesXattrs(plan.params) ? { record: plan.paths.xattrRecord, write: !context.checkMode, writeTo: layout.xattrRecord } : null,
        signal: context.signal,
        expected,
        building,
        trustRecord: trustRecord && options.force && !options.freeze && !context.checkMode,
        held,
        ...(onLikelyBuild ? { onLikelyBuild } : {}),
      }),
    );
  // A forced or reconfigured run builds whatever it finds; the shortcut may still tell that the source is the recorded one.
  const state = files.active?.state;
  const reverted = revertedFrom(files);
  const held = reverted?.configHash === hash ? reverted.fingerprint : null;
  let scan = await fingerprint(state?.fingerprint ?? null, options.force || (!!state && state.configHash !== hash), held);
  const verdict = readVerdict(plan.paths);
  if ('invalid' in verdict) context.warn(`${verdict.invalid}; it is ignored, so an image that failed its boot check could be published unchecked: remove it, or run with boot_check: true`);
  const decision = decide({
    force: options.force,
    freeze: options.freeze,
    files,
    config,
    configHash: hash,
    fingerprint: scan.digest,
    legacyFingerprint: scan.legacy,
    unlinkedFingerprint: scan.unlinked,
    imageSha256: options.verify && files.active ? await durations.time('verify', () => sha256File(plan.paths.image)) : null,
    kernelInPlace: options.kernel && state ? await kernelInPlace(state.kernel, plan.paths.tftpDir, plan.imageName) : null,
    bootCheck: options.boot_check,
    rejected: 'verdict' in verdict ? verdict.verdict : null,
  });
  // A record from before xattrs (or link groups) were compared that this walk matched had none to compare: marked once, so a later change reads as one.
  const previous = decision.previous;
  if (!context.checkMode && !decision.build && !options.freeze && previous && !(previous.xattrsCompared && previous.linksCompared) && previous.fingerprint === scan.digest) {
    writeState(plan.paths.image, { ...previous, xattrsCompared: true, linksCompared: true });
  }
  // A rebuild keeps the manifest of what it built; a scan that matched the record wrote none, so the record's own serves.
  if (decision.build && !context.checkMode && !scan.manifest && !reuseManifest(plan, state, scan.digest, manifest)) scan = await fingerprint(null);
  // Only a run that rebuilds says so: a bad record of a backup changes nothing here.
  files.problems.forEach((p) => context.warn(decision.build ? `${p}; ${context.checkMode ? 'would rebuild' : 'rebuilding'}` : p));
  const previousManifest = decision.previous?.manifest ? path.join(plan.paths.imagesDir, decision.previous.manifest) : null;
  const drifted = (decision.pending ?? decision.reason) === 'source_changed' && previousManifest !== null;
  if (drifted) await failpoint('drift', context.signal);
  const drift =
    drifted && previousManifest
      ? await manifestDrift({
          oldManifest: previousManifest,
          newManifest: manifest,
          oldIdentities: decision.previous?.sourceIdentities ?? [],
          newIdentities: scan.identities,
          signal: context.signal,
          warn: (m) => context.warn(m),
        }).catch((error: unknown) => {
          // The run was interrupted while it compared manifests: the message says where, as the boot check's does.
          throw context.signal.aborted && error === context.signal.reason ? new ModuleError(`${errorMessage(error)} (during the drift report)`) : error;
        })
      : undefined;
  const assessed = { files, decision, drift, generation: nextGeneration(files), config, configHash: hash, fingerprint: scan.digest, identities: scan.identities, newest: scan.newest, overlayOnly: scan.overlayOnly, topSizes: scan.topSizes };
  return scan.stream ? { ...assessed, stream: scan.stream } : assessed;
}

/** The recorded build's manifest, when the sources still have its fingerprint: the same lines a walk would write. */
function reuseManifest(plan: BuildPlan, state: ImageState | null | undefined, digest: string, to: string): boolean {
  if (!state?.manifest || state.fingerprint !== digest) return false;
  try {
    fs.copyFileSync(path.join(plan.paths.imagesDir, state.manifest), to);
    return true;
  } catch {
    return false;
  }
}
