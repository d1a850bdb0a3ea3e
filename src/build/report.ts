// What a build reports besides doing it: the sources as given back, the one-line message, reproducibility and the metrics file.
import fs from 'node:fs';
import type { CleanupStep } from '../cleanup/index.js';
import type { Drift } from '../fingerprint/sources.js';
import { writeMetrics, type RunResult } from '../report/metrics.js';
import type { ModuleResult } from '../runtime/module.js';
import { readImageFiles } from '../store/generations.js';
import type { Decision } from './decide.js';
import type { BuildPlan } from './plan.js';

export function sourceReport(plan: BuildPlan) {
  return plan.sources.map((s) => ({
    path: s.path,
    kind: s.kind,
    ...(s.subdir ? { subdir: s.subdir } : {}),
    ...(s.partition ? { partition: s.partition } : {}),
    ...(s.fstype ? { fstype: s.fstype } : {}),
    ...(s.options.length ? { options: s.options } : {}),
  }));
}

/** Cleanup that had to generate a key makes every build differ; the report says so. */
export function reproducibility(steps: CleanupStep[]): { reproducible: boolean; reproducible_note?: string } {
  const random = steps.find((s) => s.step === 'snakeoil' && s.changed);
  if (!random) return { reproducible: true };
  return { reproducible: false, reproducible_note: 'cleanup generated a new snakeoil key and certificate, so each build of this source differs' };
}

export function summary(plan: BuildPlan, decision: Decision, drift: Drift | undefined, checkMode: boolean): string {
  const name = plan.imageName;
  if (decision.reason === 'up_to_date') return `${name} is up to date: ${decision.why}`;
  if (decision.reason === 'held') return `${name} is held after a revert: ${decision.why}`;
  if (decision.kernelOnly) return `${checkMode ? 'Would reinstall' : 'Reinstalled'} the kernel and initrd of ${name}: ${decision.why}`;
  const counts = drift ? ` (${drift.added} added, ${drift.removed} removed, ${drift.modified} modified)` : '';
  const why = decision.reason === 'source_changed' ? '' : decision.reason === 'config_changed' ? ` (${decision.configChanges?.join(', ') || 'module format'})` : `, ${decision.why}`;
  return `${checkMode ? 'Would build' : 'Built'} ${plan.paths.image}: ${decision.reason.replace('_', ' ')}${why}${counts}`;
}

export function recordMetrics(file: string, plan: BuildPlan | undefined, result: RunResult, report: ModuleResult | null, started: number, fallbackName = ''): void {
  const active = plan ? readImageFiles(plan.paths).active : null;
  const state = active?.state ?? null;
  const reason = report?.reason;
  writeMetrics(file, {
    image: plan?.imageName ?? fallbackName,
    result,
    lastRun: Math.round(started / 1000),
    lastBuild: state ? Math.round(Date.parse(state.builtAt) / 1000) : null,
    buildSeconds: state?.buildSeconds ?? null,
    size: active ? fs.statSync(active.file).size : null,
    drifted: reason === undefined ? null : reason === 'source_changed' || reason === 'config_changed',
    generation: state?.generation ?? null,
  });
}
