// The client's "server share": a raw ext4 disk holding images/NAME.img, since a QEMU client has no NFS server to talk to.
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { diesWithParent } from './orphan.js';
import type { WorkDirLayout } from '../layout/work-dir.js';
import { hasCode } from '../core/errors.js';

const MIB = 1024 * 1024;

/**
 * Makes the boot disk (`boot/images.ext4`) with only `images/NAME.img` in it, a copy of `image` (hard-linked into a staging
 * dir when it can be, so mkfs.ext4 -d copies it once and the original is only read). The client mounts it as
 * root=/dev/vda and finds the image at ltsp.image=images/NAME.img.
 */
export async function imagesDisk(image: string, imageName: string, boot: WorkDirLayout['boot'], options: { signal?: AbortSignal; link: boolean }): Promise<string> {
  const { size } = await fs.stat(image);
  const { staging, disk } = boot;
  await fs.mkdir(boot.stagedImages, { recursive: true });
  const staged = path.join(boot.stagedImages, `${imageName}.img`);
  if (options.link) {
    await fs.link(image, staged).catch(async (error: unknown) => {
      if (!hasCode(error, 'EXDEV')) throw error;
      await fs.copyFile(image, staged);
    });
  } else {
    await fs.copyFile(image, staged);
  }
  // Room for the image, ext4's metadata and the journal; counted in KiB blocks of mkfs's size argument.
  const kib = Math.ceil((size * 1.1 + 64 * MIB) / 1024);
  try {
    const [command, ...args] = diesWithParent(['mkfs.ext4', '-q', '-F', '-L', 'ltsp-images', '-d', staging, disk, `${kib}k`]);
    await execa(command!, args, { stdin: 'ignore', cancelSignal: options.signal });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return disk;
}
