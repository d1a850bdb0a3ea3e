// Describes one exported image from its files and state alone, and optionally re-checks its source for drift.
import fs from 'node:fs';
import path from 'node:path';
import { fingerprintSources, type Drift, manifestDrift } from '../fingerprint/sources.js';
import { kernelInPlace } from '../kernel/record.js';
import { allGenerations, readImageFiles, type Generation } from '../store/generations.js';
import type { ImagePaths } from '../store/paths.js';
import { makeWorkDir, newInfoWorkDirPath, removeWorkDir } from '../store/work-dir.js';

export interface ImageInfo {
  name: string;
  path: string;
  size: number;
  generation: number | null;
  built_at: string | null;
  build_seconds: number | null;
  sources: string[];
  generations: { path: string; generation: number | null; built_at: string; size: number; active: boolean }[];
  kernel_installed: boolean;
  drifted: boolean | null;
  drift?: Drift;
}

function describe(g: Generation, active: Generation | null) {
  return {
    path: g.file,
    generation: g.state?.generation ?? null,
    built_at: g.state?.builtAt ?? new Date(g.mtimeMs).toISOString(),
    size: fs.statSync(g.file).size,
    active: g === active,
  };
}

/** The source's fingerprint now, against the one recorded before the image's build; the manifest goes to a temp file. */
async function driftOf(paths: ImagePaths, g: Generation, signal: AbortSignal, warn: (m: string) => void): Promise<{ drifted: boolean | null; drift?: Drift; problem?: string }> {
  const state = g.state;
  if (!state) return { drifted: null, problem: `${g.file} has no build record; drift unknown` };
  const missing = state.resolvedSources.find((s) => !fs.existsSync(s.path));
  if (missing) return { drifted: null, problem: `source ${missing.path} of ${g.file} is gone; drift unknown` };
  // Its own prefix: ltsp_image removes stale `ltsp-image.NAME.*` work dirs and must never take this one.
  const workDir = newInfoWorkDirPath(state.imageName);
  makeWorkDir(workDir, state.excludes);
  const manifest = path.join(workDir, 'manifest.gz');
  try {
    const scan = await fingerprintSources(state.resolvedSources, {
      excludes: state.excludes,
      cleanup: Boolean(state.config.cleanup),
      compare: state.compare,
      manifestFile: manifest,
      cacheFile: null,
      signal,
    });
    if (scan.digest === state.fingerprint) return { drifted: false };
    const previous = state.manifest ? path.join(paths.imagesDir, state.manifest) : null;
    const drift = previous ? await manifestDrift({ oldManifest: previous, newManifest: manifest, limit: 20, oldIdentities: state.sourceIdentities, newIdentities: scan.identities, signal, warn }) : undefined;
    return { drifted: true, ...(drift ? { drift } : {}) };
  } finally {
    removeWorkDir(workDir);
  }
}

export async function inspectImage(paths: ImagePaths, name: string, withDrift: boolean, signal: AbortSignal, warn: (m: string) => void): Promise<ImageInfo | null> {
  const files = readImageFiles(paths);
  files.problems.forEach(warn);
  const active = files.active;
  if (!active) return null;
  const state = active.state;
  const check = withDrift ? await driftOf(paths, active, signal, warn) : { drifted: null };
  if ('problem' in check && check.problem) warn(check.problem);
  return {
    name,
    path: active.file,
    size: fs.statSync(active.file).size,
    generation: state?.generation ?? null,
    built_at: state?.builtAt ?? null,
    build_seconds: state?.buildSeconds ?? null,
    sources: state?.sources ?? [],
    generations: allGenerations(files).map((g) => describe(g, active)),
    kernel_installed: fs.existsSync(path.join(paths.kernelDir, 'vmlinuz')) && (await kernelInPlace(state?.kernel, paths.tftpDir, name)),
    drifted: check.drifted,
    ...('drift' in check && check.drift ? { drift: check.drift } : {}),
  };
}
