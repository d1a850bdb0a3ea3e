// The readiness check as a step of ltsp_image's apply: after mksquashfs, before the boot check and publishing.
import fs from 'node:fs';
import type { ModuleContext } from '../runtime/module.js';
import { ModuleError } from '../core/errors.js';
import { evaluateReadiness, type ReadinessReport } from '../readiness/evaluate.js';
import type { ReadinessFacts } from '../readiness/facts.js';

export type { ReadinessReport };
export type ReadinessMode = 'fail' | 'warn' | 'off';

const SQUASHFS_MAGIC = 0x73717368;

/** The compressor mksquashfs actually used, from the new image's superblock (whatever the params said). */
export function squashfsCompression(image: string): number | null {
  const fd = fs.openSync(image, 'r');
  try {
    const head = Buffer.alloc(24);
    if (fs.readSync(fd, head, 0, 24, 0) < 24 || head.readUInt32LE(0) !== SQUASHFS_MAGIC) return null;
    return head.readUInt16LE(20);
  } finally {
    fs.closeSync(fd);
  }
}

/** For one-line reports: `ready`, or `readiness: 1 problem, 2 warnings`; null when the tree was not judged (checked nothing). */
export function readinessLine(report: ReadinessReport | null | undefined): string | null {
  if (!report || report.checked.length === 0) return null;
  if (report.problems.length === 0 && report.warnings.length === 0) return 'ready';
  const count = (n: number, what: string) => (n ? [`${n} ${what}${n > 1 ? 's' : ''}`] : []);
  return `readiness: ${[...count(report.problems.length, 'problem'), ...count(report.warnings.length, 'warning')].join(', ')}`;
}

/** With `fail`, a problem ends the run here: the tmp image goes, and NAME.img, its backup, state and TFTP stay as they are. */
export async function checkReadiness(
  imageName: string,
  image: string,
  facts: ReadinessFacts | null,
  options: { readiness: ReadinessMode; kernel: boolean },
  context: ModuleContext,
): Promise<ReadinessReport | null> {
  if (options.readiness === 'off' || facts === null) return null;
  const report = evaluateReadiness(facts, options.kernel, squashfsCompression(image));
  await context.log(`${imageName}: ${readinessLine(report) ?? 'readiness: no kernel installed (no lib/modules), not judged'}${[...report.problems, ...report.warnings].map((line) => `; ${line}`).join('')}`);
  if (report.problems.length > 0 && options.readiness === 'fail') {
    const why = report.problems.join('; ');
    throw new ModuleError(`${imageName}: not published, previous image kept: the readiness check found what makes a client's boot impossible: ${why} (readiness: warn publishes it anyway)`, { changed: false, readiness: report });
  }
  for (const line of [...report.problems, ...report.warnings]) context.warn(`Readiness: ${line}`);
  return report;
}

/** Check mode builds nothing, so neither check can run: the message says which would run before publishing. */
export function checkModeNote(options: { readiness: ReadinessMode; boot_check: boolean }): string {
  const checks = [...(options.readiness !== 'off' ? ['a readiness check'] : []), ...(options.boot_check ? ['a boot check'] : [])];
  return checks.length ? `; ${checks.join(' and ')} would run before publishing` : '';
}
