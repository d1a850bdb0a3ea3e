// The state record a published build leaves beside its image: what was built, from what, why, and what it holds.
import type { BootReport } from '../steps/boot-check.js';
import type { ReadinessReport } from '../steps/readiness.js';
import type { KernelRecord } from '../kernel/record.js';
import { manifestName } from '../store/manifests.js';
import type { ImageFiles } from '../store/generations.js';
import { withHistory } from '../store/history.js';
import { identityOf, STATE_FORMAT, type ImageState } from '../store/state.js';
import { stateRecordOf } from '../source/state-record.js';
import type { Drift } from '../fingerprint/sources.js';
import type { StreamCheck } from '../scan/request.js';
import type { PackageFacts } from '../steps/packages.js';
import { TOOL_VERSION } from '../generated/version.js';
import type { BuildConfig } from './config.js';
import type { BuildPlan } from './plan.js';

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

export interface Checks {
  boot: BootReport | null;
  readiness: ReadinessReport | null;
}

export function stateOfBuild(plan: BuildPlan, build: BuildRecord, kernel: KernelRecord | null, sha256: string, seconds: number, { boot, readiness }: Checks, facts: PackageFacts): ImageState {
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
