// Installs the kernel and initrd that are inside a published squashfs image, read from a loop mount in the private namespace.
import path from 'node:path';
import type { StagedKernel } from '../namespace/protocol.js';
import { runWorker } from '../namespace/run-worker.js';
import { makeWorkDir, newWorkDirPath, removeWorkDir } from '../layout/work-dir.js';
import { installKernel } from '../kernel/install.js';

/** The result's `kernel`, the same for every module: where the pair went in TFTP and where it was in the image. */
export interface KernelReport {
  vmlinuz: string;
  initrd: string;
  source_vmlinuz: string;
  source_initrd: string;
  changed: boolean;
}

export interface InstalledKernel {
  report: KernelReport;
  /** TFTP had no kernel for this image before: the iPXE menu needs regenerating. */
  isNew: boolean;
}

/** Installs a kernel and initrd the namespace worker copied out of an image tree. */
export async function installStaged(staged: StagedKernel, tftpDir: string, imageName: string): Promise<InstalledKernel> {
  const done = await installKernel({ vmlinuzPath: staged.vmlinuzPath, initrdPath: staged.initrdPath }, tftpDir, imageName);
  return {
    report: { vmlinuz: done.vmlinuz, initrd: done.initrd, source_vmlinuz: staged.vmlinuz, source_initrd: staged.initrd, changed: done.changed },
    isNew: done.newVmlinuz,
  };
}

export async function installKernelFromImage(
  image: string,
  tftpDir: string,
  imageName: string,
  userPattern: string | null,
  signal: AbortSignal,
): Promise<InstalledKernel | null> {
  const workDir = newWorkDirPath(imageName, path.dirname(image));
  makeWorkDir(workDir, []);
  try {
    const { events } = await runWorker(
      {
        workDir,
        sources: [{ spec: image, path: image, kind: 'filesystem', fstype: 'squashfs', options: [] }],
        overlay: false,
        cleanup: false,
        mksquashfs: null,
        kernel: { userPattern },
      },
      signal,
    );
    const staged = events.reduce<StagedKernel | null>((found, e) => (e.type === 'kernel' ? e.kernel : found), null);
    return staged ? await installStaged(staged, tftpDir, imageName) : null;
  } finally {
    removeWorkDir(workDir);
  }
}
