// Describes one exported image from its files and state alone, and optionally re-checks its source for drift.
import type { LtspImageInfoResult } from '../generated/ltsp_image_info.js';
import fs from 'node:fs';
import path from 'node:path';
import { type Drift, manifestDrift } from '../fingerprint/sources.js';
import { scanSources } from '../scan/scan.js';
import { earlierFormatOf, upgradeOnly } from '../scan/upgrade.js';
import { storesXattrs } from '../squashfs/params.js';
import { kernelInPlace } from '../kernel/record.js';
import { allGenerations, readImageFiles, type Generation, type ImageFiles } from '../store/generations.js';
import { heldAfterRevert } from '../store/hold.js';
import { historyOf } from '../store/history.js';
import { holdersOf } from '../store/in-use.js';
import { displacedAt, dueForPruning, keptBecause } from '../store/prune.js';
import type { PruneRecord } from '../store/state.js';
import { ltspImageSchema } from '../generated/ltsp_image.js';
import { buildOptions, sourceSpec } from './declared.js';
import type { ImagePaths } from '../layout/paths.js';
import { readVerdict } from '../store/verdict.js';
import { makeWorkDir, newInfoWorkDirPath, removeWorkDir, workDirLayout } from '../layout/work-dir.js';

/** One image as ltsp_image_info returns it: the schema's item, so the result, its docs and the CLI's table agree. */
export type ImageInfo = NonNullable<LtspImageInfoResult['images']>[number];

interface DriftCheck {
  drifted: boolean | null;
  drift?: Drift;
  problem?: string;
  /** The source's fingerprint now, when it was taken. */
  digest?: string;
}

/** The pruning the next build applies: the one recorded with the active image, else the options' defaults. */
function policyOf(active: Generation): PruneRecord {
  const options = (ltspImageSchema.definitions as { options: { properties: Record<'keep' | 'keep_days' | 'prune_grace', { default: number }> } }).options.properties;
  return active.state?.prune ?? { keep: options.keep.default, keepDays: options.keep_days.default, graceHours: options.prune_grace.default };
}

/** For each generation keep and keep_days are done with, what keeps it from the next pruning (a holder or the grace). */
function keptBecauseOf(files: ImageFiles, paths: ImagePaths, active: Generation): Map<Generation, string | null> {
  const policy = policyOf(active);
  const now = Date.now();
  const due = dueForPruning(files, policy, now);
  const holders = holdersOf(due.map((g) => g.file), paths.image);
  return new Map(due.map((g) => [g, keptBecause(g, holders.get(g.file) ?? [], policy.graceHours, now)]));
}

function describe(g: Generation, active: Generation | null, kept: Map<Generation, string | null>) {
  return {
    path: g.file,
    generation: g.state?.generation ?? null,
    built_at: g.state?.builtAt ?? new Date(g.mtimeMs).toISOString(),
    size: fs.statSync(g.file).size,
    active: g === active,
    reason: g.state?.reason ?? null,
    drift: g.state?.drift ?? null,
    displaced_at: g === active ? null : new Date(displacedAt(g)).toISOString(),
    kept_because: kept.get(g) ?? null,
  };
}

/** The source's fingerprint now, against the one recorded before the image's build; the manifest goes to a temp file. */
async function driftOf(paths: ImagePaths, g: Generation, signal: AbortSignal, warn: (m: string) => void): Promise<DriftCheck> {
  const state = g.state;
  if (!state) return { drifted: null, problem: `${g.file} has no build record; drift unknown` };
  const missing = state.resolvedSources.find((s) => !fs.existsSync(s.path));
  if (missing) return { drifted: null, problem: `source ${missing.path} of ${g.file} is gone; drift unknown` };
  // Its own prefix: ltsp_image removes stale `ltsp-image.NAME.*` work dirs and must never take this one.
  const workDir = newInfoWorkDirPath(state.imageName);
  makeWorkDir(workDir, state.excludes);
  const params = state.config.mksquashfs_params;
  const recordedParams = Array.isArray(params) ? params.filter((p): p is string => typeof p === 'string') : [];
  try {
    const scan = await scanSources({
      sources: state.resolvedSources,
      excludes: state.excludes,
      cleanup: Boolean(state.config.cleanup),
      compare: state.compare,
      overlay: state.config.overlay !== false,
      xattrs: storesXattrs(recordedParams),
      workDir,
      // Read only: the walk record's stream may vouch that nothing changed; anything else is walked with its manifest.
      records: { checksumCache: null, walkRecord: paths.walkRecord, xattrRecord: { file: paths.xattrRecord, stagedTo: workDirLayout(workDir).xattrRecord }, write: false },
      recorded: { fingerprint: state.fingerprint, manifest: null, held: null, earlier: earlierFormatOf(state) },
      intent: 'manifest',
      signal,
    });
    // A record from before xattrs (or link groups) were compared matches the fingerprint as that version took it: the source did not drift.
    if (scan.fingerprint === state.fingerprint || upgradeOnly(state, scan)) return { drifted: false, digest: scan.fingerprint };
    const previous = state.manifest ? path.join(paths.imagesDir, state.manifest) : null;
    const drift = previous ? await manifestDrift({ oldManifest: previous, newManifest: workDirLayout(workDir).manifest, oldIdentities: state.sourceIdentities, newIdentities: scan.identities, signal, warn }) : undefined;
    return { drifted: true, digest: scan.fingerprint, ...(drift ? { drift } : {}) };
  } finally {
    removeWorkDir(workDir);
  }
}

/** ltsp_image's hold after a revert, for a run with the active image's recorded configuration (the one the drift check uses). */
export function holdOf(files: ImageFiles, digest: string | undefined): { held: boolean; held_reason?: string } {
  const configHash = files.active?.state?.configHash;
  const held = digest && configHash ? heldAfterRevert(files, digest, configHash) : null;
  if (!held) return { held: false };
  const why = `a revert made generation ${files.active?.state?.generation ?? '?'} active, and the source is still the one of generation ${held.generation}: ltsp_image leaves it until the source changes again or force: true is given`;
  return { held: true, held_reason: why };
}

export async function inspectImage(paths: ImagePaths, name: string, withDrift: boolean, signal: AbortSignal, warn: (m: string) => void): Promise<ImageInfo | null> {
  const files = readImageFiles(paths);
  files.problems.forEach(warn);
  const active = files.active;
  if (!active) return null;
  const state = active.state;
  const check: DriftCheck = withDrift ? await driftOf(paths, active, signal, warn) : { drifted: null };
  if (check.problem) warn(check.problem);
  const kept = keptBecauseOf(files, paths, active);
  const sources = state?.resolvedSources.map(sourceSpec) ?? [];
  return {
    name,
    path: active.file,
    size: fs.statSync(active.file).size,
    generation: state?.generation ?? null,
    built_at: state?.builtAt ?? null,
    build_seconds: state?.buildSeconds ?? null,
    reason: state?.reason ?? null,
    source: sources.length ? sources.join(',,') : null,
    sources,
    options: state ? buildOptions(state) : null,
    generations: allGenerations(files).map((g) => describe(g, active, kept)),
    history: historyOf(files).map((h) => ({ generation: h.generation, built_at: h.builtAt, build_seconds: h.buildSeconds, reason: h.reason ?? null, drift: h.drift ?? null, config_changes: h.configChanges ?? null, size: h.size ?? null, size_delta: h.sizeDelta ?? null, packages: h.packages ?? null, boot_checked: h.bootCheck ?? null })),
    kernel_installed: fs.existsSync(path.join(paths.kernelDir, 'vmlinuz')) && (await kernelInPlace(state?.kernel, paths.tftpDir, name)),
    drifted: check.drifted,
    ...(check.drift ? { drift: check.drift } : {}),
    ...holdOf(files, check.digest),
    boot_checked: state?.bootCheck ?? null,
    readiness: state?.readiness ?? null,
    rejected: rejectedOf(paths, warn),
  };
}

function rejectedOf(paths: ImagePaths, warn: (m: string) => void): ImageInfo['rejected'] {
  const read = readVerdict(paths);
  if ('invalid' in read) {
    warn(read.invalid);
    return null;
  }
  return read.verdict ? { at: read.verdict.at, ended: read.verdict.ended } : null;
}
