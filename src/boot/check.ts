// The boot check of a new image, before it is published: boot it as a client would, and keep it as NAME.img.failed when it does not come up.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../core/errors.js';
import { fsyncPath } from '../fs/fsync.js';
import { clientConfigFiles } from './client-config.js';
import { writeCpio } from './cpio.js';
import { bootClient, type BootResult } from './qemu.js';
import { workDirLayout } from '../layout/work-dir.js';

/** The `boot` of the result. */
export interface BootReport {
  accel: string;
  seconds: number;
  reached: boolean;
  /** Why the boot ended: `done`, `timeout after N s`, what the console showed (a kernel panic...), QEMU's exit. */
  ended: string;
  console_tail: string;
}

export interface BootCheckInput {
  /** The new image (not yet published) and the kernel and initrd found in it. */
  image: string;
  imageName: string;
  kernel: { vmlinuzPath: string; initrdPath: string } | null;
  ltspImg: string;
  /** Where the name clients never use goes: BASE/images/NAME.img.failed. */
  failedPath: string;
  workDir: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** false for a published image: copied, never hard-linked (a link changes its ctime and link count). */
  linkImage?: boolean;
  /** Called once the image is kept as failed, with why its boot ended, so the verdict can outlive the run. */
  onRejected?: (ended: string) => void;
}

export function reportOf(result: BootResult, tailLines = 40): BootReport {
  const tail = result.consoleTail.split('\n').slice(-tailLines).join('\n');
  return { accel: result.accel, seconds: result.seconds, reached: result.reached, ended: result.ended, console_tail: tail };
}

/** Boots `image` with the image's kernel, ltsp.img and our client archive; writes nothing but under workDir. */
export async function bootImage(input: Omit<BootCheckInput, 'failedPath'> & { kernel: { vmlinuzPath: string; initrdPath: string } }): Promise<BootReport> {
  const archive = writeCpio(clientConfigFiles(), workDirLayout(input.workDir).boot.archive);
  try {
    const result = await bootClient({
      kernel: input.kernel.vmlinuzPath,
      initrds: [input.ltspImg, archive, input.kernel.initrdPath],
      image: input.image,
      imageName: input.imageName,
      timeoutMs: input.timeoutSeconds * 1000,
      workDir: input.workDir,
      signal: input.signal,
      linkImage: input.linkImage ?? true,
    });
    return reportOf(result);
  } finally {
    fs.rmSync(archive, { force: true });
  }
}

/** Moves the unbootable image to NAME.img.failed (replacing the last one), where neither clients nor generations look. */
function keepFailed(input: BootCheckInput, ended: string): void {
  fs.renameSync(input.image, input.failedPath);
  fsyncPath(path.dirname(input.failedPath));
  input.onRejected?.(ended);
}

/** Returns the report when the client reached multi-user.target; otherwise keeps the image aside and fails the run. */
export async function bootCheck(input: BootCheckInput): Promise<BootReport> {
  if (!input.kernel) {
    const report = { accel: 'none', seconds: 0, reached: false, ended: 'no kernel and initrd found in the image', console_tail: '' };
    keepFailed(input, report.ended);
    throw new ModuleError(`Boot check: no vmlinuz and initrd.img in the new image, so no client can boot it; kept it as ${input.failedPath}`, { boot: report });
  }
  const report = await bootImage({ ...input, kernel: input.kernel });
  if (report.reached) return report;
  // SIGTERM and the like: the run's own interruption message (which signal), with what the boot got to.
  if (report.ended === 'interrupted') throw new ModuleError(`${(input.signal?.reason as Error | undefined)?.message ?? 'Interrupted'} (during the boot check)`, { boot: report });
  keepFailed(input, report.ended);
  throw new ModuleError(
    `Boot check failed: the client did not reach multi-user.target (${report.ended}; ${report.seconds} s, ${report.accel}); the active image is unchanged, the new one is kept as ${input.failedPath}; see boot.console_tail`,
    { boot: report },
  );
}
