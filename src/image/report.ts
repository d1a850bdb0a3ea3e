// What a build reports besides doing it: the sources as given back, the one-line message, reproducibility and the metrics file.
import fs from 'node:fs';
import path from 'node:path';
import { randomnessOf, type CleanupStep } from '../cleanup/index.js';
import type { Drift } from '../fingerprint/sources.js';
import { writeMetrics, type RunResult } from '../report/metrics.js';
import type { ModuleResult } from '../runtime/module.js';
import { readImageFiles, type ImageFiles } from '../store/generations.js';
import type { Kept } from '../store/prune.js';
import { kindOf } from '../source/kinds.js';
import type { Decision } from './decide.js';
import type { BuildPlan } from './plan.js';

export function sourceReport(plan: BuildPlan) {
  return plan.sources.map((s) => {
    const { partition, fstype } = kindOf(s).recorded(s);
    return {
      path: s.path,
      kind: s.kind,
      ...(s.subdir ? { subdir: s.subdir } : {}),
      ...(partition ? { partition } : {}),
      ...(fstype ? { fstype } : {}),
      ...(s.kind !== 'directory' && s.format ? { format: s.format } : {}),
      ...(s.kind === 'disk' && s.fstab ? { fstab: s.fstab } : {}),
      ...(s.options.length ? { options: s.options } : {}),
    };
  });
}

/** Cleanup that had to generate a key makes every build differ; the report says so. */
export function reproducibility(steps: CleanupStep[]): { reproducible: boolean; reproducible_note?: string } {
  const random = randomnessOf(steps);
  if (!random) return { reproducible: true };
  return { reproducible: false, reproducible_note: `cleanup generated ${random}, so each build of this source differs` };
}

/** The size of the image a run left in place, for results that did not build one. */
export function activeSize(files: ImageFiles): { size?: number } {
  const size = files.active ? fs.statSync(files.active.file, { throwIfNoEntry: false })?.size : undefined;
  return size === undefined ? {} : { size };
}

/** The drifted paths for the journal: +added -removed ~modified, the first DRIFT_PATHS of each, and how many more. */
export function driftLine(drift: Drift): string {
  const part = (mark: string, paths: string[], total: number) => [...paths.map((p) => `${mark}${p}`), ...(total > paths.length ? [`(${total - paths.length} more ${mark})`] : [])];
  return [...part('+', drift.added_paths, drift.added), ...part('-', drift.removed_paths, drift.removed), ...part('~', drift.modified_paths, drift.modified)].join(' ') || 'none';
}

/** `; kept gen.img.4 (backs /dev/loop0)`: generations past keep that a client may still run. */
export function keptNote(kept: Kept[]): string {
  return kept.length ? `; kept ${kept.map((k) => `${path.basename(k.path)} (${k.why})`).join(', ')}` : '';
}

/** `packages`: the changelog line, said before the paths' counts. */
export function summary(plan: BuildPlan, decision: Decision, drift: Drift | undefined, checkMode: boolean, packages?: string): string {
  const name = plan.imageName;
  const counts = drift ? ` (${drift.added} added, ${drift.removed} removed, ${drift.modified} modified)` : '';
  if (decision.reason === 'up_to_date') return `${name} is up to date: ${decision.why}`;
  if (decision.reason === 'held') return `${name} is held after a revert: ${decision.why}`;
  if (decision.reason === 'frozen') return `${name} is frozen: ${decision.why}${counts}`;
  if (decision.kernelOnly) return `${checkMode ? 'Would reinstall' : 'Reinstalled'} the kernel and initrd of ${name}: ${decision.why}`;
  const why = decision.reason === 'source_changed' ? '' : decision.reason === 'config_changed' ? ` (${decision.configChanges?.join(', ') || 'module format'})` : `, ${decision.why}`;
  return `${checkMode ? 'Would build' : 'Built'} ${plan.paths.image}: ${decision.reason.replace('_', ' ')}${why}${packages ? `; ${packages}${drift ? '; paths' : ''}` : ''}${counts}`;
}

/** After the run, does the active image lag behind its source or settings? A finished rebuild means no; a hold or a freeze that kept an older image means yes. */
function stillDrifted(report: ModuleResult | null): boolean | null {
  if (!report) return null;
  if (report.reason === 'held') return true;
  if (report.reason === 'frozen') return !['up_to_date', 'held', 'kernel'].includes(String(report.pending));
  return false;
}

/** Written when the run ends, so the run's timestamp is never older than the build it did. */
export function recordMetrics(file: string, plan: BuildPlan | undefined, result: RunResult, report: ModuleResult | null, fallbackName = '', failedBoot: unknown = null): void {
  const active = plan ? readImageFiles(plan.paths).active : null;
  const state = active?.state ?? null;
  writeMetrics(file, {
    image: plan?.imageName ?? fallbackName,
    result,
    lastRun: Math.round(Date.now() / 1000),
    lastBuild: state ? Math.round(Date.parse(state.builtAt) / 1000) : null,
    buildSeconds: state?.buildSeconds ?? null,
    size: active ? fs.statSync(active.file).size : null,
    drifted: stillDrifted(report),
    generation: state?.generation ?? null,
    bootSeconds: ((report?.boot ?? failedBoot) as { seconds?: number } | null)?.seconds ?? null,
  });
}
