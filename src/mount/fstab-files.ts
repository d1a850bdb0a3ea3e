// Reads etc/fstab from a mounted root partition, never following a symlink: a VM's disk may link it to any file of the build host.
import fs from 'node:fs/promises';
import { inspect, readRegular } from '../cleanup/tree-fs.js';
import type { FstabFiles } from '../source/split-disk.js';

/** A real fstab is a few KiB; a bigger one is not read into memory. */
const LARGEST = 1 << 20;
/** Top-level directories looked into for a subvolume's fstab; a btrfs root has a handful. */
const MOST_DIRS = 64;

/** The text of `rel` when it is a regular file inside the tree (no symlink on the way), else null. */
async function readInside(root: string, rel: string): Promise<string | null> {
  const entry = await inspect(root, rel);
  if (entry.kind !== 'regular' || entry.stat.size > LARGEST) return null;
  const { data, stat } = await readRegular(root, rel);
  return stat.size > LARGEST ? null : data.toString('utf8');
}

export async function readFstabs(root: string): Promise<FstabFiles> {
  const own = await readInside(root, 'etc/fstab');
  if (own !== null) return { root: own, subvolumes: [] };
  // The root is our own mount point; its entries' types come from d_type, so a symlinked "directory" is no directory here.
  const listed = await fs.readdir(root, { withFileTypes: true });
  const dirs = listed.filter((d) => d.isDirectory()).map((d) => d.name).sort().slice(0, MOST_DIRS);
  const subvolumes: FstabFiles['subvolumes'] = [];
  for (const dir of dirs) {
    const text = await readInside(root, `${dir}/etc/fstab`);
    if (text !== null) subvolumes.push({ dir, text });
  }
  return { root: null, subvolumes };
}
