// Reads the VM's etc/fstab from a disk's root partition, mounted read-only in a namespace worker of its own that takes every mount with it.
import { runWorker } from '../namespace/run-worker.js';
import { makeWorkDir, newInfoWorkDirPath, removeWorkDir } from '../layout/work-dir.js';
import { usablePartitions } from '../source/probe.js';
import type { ResolvedSource, ResolvedSources } from '../source/resolve.js';
import { applyFstab, closedRootRefusal, emptiedBy, holdsRoot, type FstabFiles } from '../source/split-disk.js';

/**
 * Runs before the image lock is taken, so its work dir names its owner as ltsp_image_info's do: a locked run's
 * sweep of stale work dirs never takes it for a killed run's.
 */
async function readDiskFstab(root: ResolvedSource, imageName: string, signal: AbortSignal): Promise<FstabFiles> {
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

/**
 * The sources with the partitions the VM's own fstab mounts on system directories (see split-disk.ts). Installers
 * often put /boot before the root: without partition=N the root is the first usable partition that holds an fstab,
 * and the first usable one, as before, when none does, unless another partition is a volume the root may be inside.
 */
export async function withFstabMounts(resolved: ResolvedSources, excludes: string[], signal: AbortSignal): Promise<ResolvedSource[]> {
  const [first, ...stacked] = resolved.sources as [ResolvedSource, ...ResolvedSource[]];
  if (!resolved.disk || first.kind !== 'disk') return resolved.sources;
  const later = usablePartitions(resolved.disk.partitions).filter((p) => p.number > (first.partition ?? 0));
  const candidates = resolved.disk.given ? [first] : [first, ...later.map((p) => ({ ...first, partition: p.number, offset: p.offset, sizelimit: p.size, fstype: p.fstype ?? first.fstype }))];
  for (const candidate of candidates) {
    const files = await readDiskFstab(candidate, resolved.imageName, signal);
    if (holdsRoot(candidate, files)) return applyFstab([candidate, ...stacked], resolved.disk.partitions, files, emptiedBy(excludes));
  }
  const refusal = resolved.disk.given ? null : closedRootRefusal(first, resolved.disk.partitions);
  if (refusal) throw refusal;
  return resolved.sources;
}
