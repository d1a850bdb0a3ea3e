// The boot check as a step of ltsp_image's apply: between mksquashfs and publishing, timed as the `boot` phase; nothing when boot_check is off.
import type { StagedKernel } from '../namespace/protocol.js';
import type { Durations } from '../report/durations.js';
import type { ModuleContext } from '../runtime/module.js';
import type { ImagePaths } from '../layout/paths.js';
import { writeVerdict } from '../store/verdict.js';
import { bootCheck, type BootReport } from '../boot/check.js';
import { ltspImgPath } from '../boot/requirements.js';

export type { BootReport };

interface Plan {
  imageName: string;
  paths: ImagePaths;
  workDir: string;
}

export async function checkBeforePublishing(
  plan: Plan,
  staged: StagedKernel | null,
  options: { boot_check: boolean; boot_timeout: number },
  context: ModuleContext,
  durations: Durations,
  built: { fingerprint: string; configHash: string },
): Promise<BootReport | null> {
  if (!options.boot_check) return null;
  const report = await durations.time('boot', () =>
    bootCheck({
      image: plan.paths.tmp,
      imageName: plan.imageName,
      kernel: staged,
      ltspImg: ltspImgPath(plan.paths.tftpDir),
      failedPath: plan.paths.failed,
      workDir: plan.workDir,
      timeoutSeconds: options.boot_timeout,
      signal: context.signal,
      onRejected: (ended) => writeVerdict(plan.paths, { ...built, at: new Date().toISOString(), ended }),
    }),
  );
  await context.log(`${plan.imageName}: boot check reached multi-user.target in ${report.seconds} s (${report.accel})`);
  return report;
}
