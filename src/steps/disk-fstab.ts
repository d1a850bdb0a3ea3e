// Reads the VM's etc/fstab from a disk's root partition, mounted read-only in a namespace worker of its own that takes every mount with it.
import { runWorker } from '../namespace/run-worker.js';
import { makeWorkDir, newInfoWorkDirPath, removeWorkDir } from '../layout/work-dir.js';
import type { ResolvedSource } from '../source/resolve.js';
import type { FstabFiles } from '../source/split-disk.js';

/**
 * Runs before the image lock is taken, so its work dir names its owner as ltsp_image_info's do: a locked run's
 * sweep of stale work dirs never takes it for a killed run's.
 */
export async function readDiskFstab(root: ResolvedSource, imageName: string, signal: AbortSignal): Promise<FstabFiles> {
  const workDir = newInfoWorkDirPath(imageName);
  makeWorkDir(workDir, []);
  try {
    const job = { workDir, sources: [root], overlay: false, cleanup: false, mksquashfs: null, kernel: null, fstab: true };
    const { events } = await runWorker(job, signal);
    const found = events.find((e) => e.type === 'fstab');
    if (!found) throw new Error('the namespace worker did not report the disk\'s fstab');
    return { root: found.root, subvolumes: found.subvolumes };
  } finally {
    removeWorkDir(workDir);
  }
}
