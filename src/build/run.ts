// The ltsp_image module: plan the build, stop there in check mode, else apply it and report.
import type { LtspImageOptions } from '../generated/ltsp_image.js';
import { Durations } from '../report/durations.js';
import { formatBytes, formatSeconds } from '../report/format.js';
import type { ModuleContext, ModuleResult } from '../runtime/module.js';
import { applyBuild } from './apply.js';
import { planBuild, type BuildPlan, type Options } from './plan.js';

function sourceReport(plan: BuildPlan) {
  return plan.sources.map((s) => ({
    path: s.path,
    kind: s.kind,
    ...(s.subdir ? { subdir: s.subdir } : {}),
    ...(s.partition ? { partition: s.partition } : {}),
    ...(s.fstype ? { fstype: s.fstype } : {}),
    ...(s.options.length ? { options: s.options } : {}),
  }));
}

export async function runLtspImage(input: LtspImageOptions, context: ModuleContext): Promise<ModuleResult> {
  const options = input as Options;
  const durations = new Durations();
  const plan = await durations.time('resolve', () => planBuild(options));
  const common = {
    image: plan.paths.image,
    image_name: plan.imageName,
    source: sourceReport(plan),
    excluded: plan.excludes.length,
    command: plan.command,
  };
  if (context.checkMode) {
    return { changed: true, msg: `Would build ${plan.paths.image} from ${plan.sources[0]!.path}`, ...common, durations: durations.toJSON() };
  }
  const outcome = await applyBuild(plan, options, context, durations);
  const hint = outcome.newKernel ? '; to update the iPXE menu, run: ltsp ipxe' : '';
  return {
    changed: true,
    msg: `Built ${outcome.image} (${formatBytes(outcome.size)}) in ${formatSeconds(durations.total())}${hint}`,
    ...common,
    backup: outcome.backup,
    size: outcome.size,
    kernel: outcome.kernel,
    cleanup: outcome.cleanup,
    durations: durations.toJSON(),
  };
}
