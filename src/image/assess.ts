// What a run finds before acting: the image's files and record, the sources' fingerprint, the decision and the drift.
import path from 'node:path';
import { manifestDrift, type Drift } from '../fingerprint/sources.js';
import { fingerprintSources } from '../steps/scan-sources.js';
import { kernelInPlace } from '../kernel/record.js';
import type { Durations } from '../report/durations.js';
import { failpoint } from '../runtime/failpoint.js';
import type { ModuleContext } from '../runtime/module.js';
import { nextGeneration, readImageFiles, type ImageFiles } from '../store/generations.js';
import { sha256File } from '../store/sha256.js';
import { writeState } from '../store/state.js';
import { storesXattrs } from '../squashfs/params.js';
import { workDirLayout } from '../store/work-dir.js';
import { buildConfig, configHash } from './config.js';
import { decide, type Decision } from './decide.js';
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
}

export async function assess(plan: BuildPlan, options: Options, context: ModuleContext, durations: Durations): Promise<Assessment> {
  const files = readImageFiles(plan.paths);
  const config = buildConfig(plan.sources, plan.excludes, { ...options, mksquashfs_params: plan.params });
  const hash = configHash(config);
  const manifest = workDirLayout(plan.workDir).manifest;
  await failpoint('fingerprint');
  const fingerprint = (expected: string | null) =>
    durations.time('fingerprint', () =>
      fingerprintSources(plan.sources, {
        excludes: plan.excludes,
        cleanup: options.cleanup,
        compare: options.compare,
        workDir: plan.workDir,
        cacheFile: context.checkMode ? null : plan.paths.checksumCache,
        walkRecord: { file: plan.paths.walkRecord, write: !context.checkMode },
        xattrs: storesXattrs(plan.params) ? { record: plan.paths.xattrRecord, write: !context.checkMode } : null,
        signal: context.signal,
        expected,
      }),
    );
  // Only a run that may find nothing to do skips the manifest: a forced or reconfigured one would walk twice.
  const state = files.active?.state;
  let scan = await fingerprint(!options.force && state?.configHash === hash ? state.fingerprint : null);
  const activeState = files.active?.state;
  const decision = decide({
    force: options.force,
    freeze: options.freeze,
    files,
    config,
    configHash: hash,
    fingerprint: scan.digest,
    legacyFingerprint: scan.legacy,
    imageSha256: options.verify && files.active ? await durations.time('verify', () => sha256File(plan.paths.image)) : null,
    kernelInPlace: options.kernel && activeState ? await kernelInPlace(activeState.kernel, plan.paths.tftpDir, plan.imageName) : null,
  });
  // A record from before xattrs were compared that this walk matched had none to compare: marked once, so a later xattr change reads as one.
  if (!context.checkMode && !decision.build && !options.freeze && decision.previous && !decision.previous.xattrsCompared && decision.previous.fingerprint === scan.digest) {
    writeState(plan.paths.image, { ...decision.previous, xattrsCompared: true });
  }
  // A rebuild for another reason (force, config) keeps the manifest of what it built; a matching scan wrote none.
  if (decision.build && !context.checkMode && !scan.manifest) scan = await fingerprint(null);
  // Only a run that rebuilds says so: a bad record of a backup changes nothing here.
  files.problems.forEach((p) => context.warn(decision.build ? `${p}; ${context.checkMode ? 'would rebuild' : 'rebuilding'}` : p));
  const previousManifest = decision.previous?.manifest ? path.join(plan.paths.imagesDir, decision.previous.manifest) : null;
  const drift =
    (decision.pending ?? decision.reason) === 'source_changed' && previousManifest
      ? await manifestDrift({
          oldManifest: previousManifest,
          newManifest: manifest,
          limit: 20,
          oldIdentities: decision.previous?.sourceIdentities ?? [],
          newIdentities: scan.identities,
          signal: context.signal,
          warn: (m) => context.warn(m),
        })
      : undefined;
  return { files, decision, drift, generation: nextGeneration(files), config, configHash: hash, fingerprint: scan.digest, identities: scan.identities, newest: scan.newest };
}

