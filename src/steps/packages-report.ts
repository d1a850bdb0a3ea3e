// The package changelog and growth in a run's result, message, warnings, journal and check-mode diff.
import type { ModuleContext } from '../runtime/module.js';
import type { ResolvedSource } from '../source/resolve.js';
import type { Generation } from '../store/generations.js';
import { growthLine, growthWarning, changesAgainst, type PackageFacts } from './packages.js';
import type { PackageChanges } from '../packages/changes.js';
import { packagesInSources } from '../packages/read.js';
import { decodeList } from '../packages/status.js';

export interface PackageReport {
  packages?: PackageChanges;
  packages_summary: string;
}

/** Check mode: the source's dpkg status now against the active image's list, without building. */
export async function packagesWouldChange(sources: ResolvedSource[], excludes: string[], active: Generation | null): Promise<PackageReport> {
  const list = active?.state?.packageList;
  const before = list === undefined || !active ? null : list === null ? { none: 'the active image has no package list' } : { packages: decodeList(list) };
  const { packages, summary } = changesAgainst(before, await packagesInSources(sources, excludes));
  return { ...(packages ? { packages } : {}), packages_summary: summary };
}

/** Logs and warns what a build found; the result's fields. */
export async function reportFacts(name: string, facts: PackageFacts, threshold: number, context: ModuleContext) {
  await context.log(`${name}: packages: ${facts.packagesSummary}`);
  if (facts.growth.delta !== null) await context.log(`${name}: ${growthLine(facts.growth)}`);
  const warning = growthWarning(name, facts.growth, threshold);
  if (warning) context.warn(warning);
  return { ...(facts.packages ? { packages: facts.packages } : {}), packages_summary: facts.packagesSummary, growth: facts.growth };
}

/** Ansible's diff: one line per changed package, before and after. */
export function packagesDiff(packages: PackageChanges): { before: string; after: string } {
  const before = [...packages.removed.map((n) => `package ${n}`), ...[...packages.upgraded, ...packages.downgraded].map((v) => `package ${v.name} ${v.from}`)];
  const after = [...packages.added.map((n) => `package ${n}`), ...[...packages.upgraded, ...packages.downgraded].map((v) => `package ${v.name} ${v.to}`)];
  return { before: before.map((l) => `${l}\n`).join(''), after: after.map((l) => `${l}\n`).join('') };
}
