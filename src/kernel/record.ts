// Remembers which kernel and initrd an image carries, so a later run can repair TFTP without reading the image.
import fs from 'node:fs';
import { sha256File } from '../fs/sha256.js';
import { kernelDestinations } from './compare.js';
import { FILE_MODE } from './install.js';

export interface KernelRecord {
  vmlinuz: string;
  initrd: string;
  vmlinuzSha256: string;
  initrdSha256: string;
}

export async function recordKernel(found: { vmlinuz: string; initrd: string; vmlinuzPath: string; initrdPath: string }): Promise<KernelRecord> {
  return {
    vmlinuz: found.vmlinuz,
    initrd: found.initrd,
    vmlinuzSha256: await sha256File(found.vmlinuzPath),
    initrdSha256: await sha256File(found.initrdPath),
  };
}

/** A regular file (not a link to one) with the recorded bytes and the mode the install gives it. */
async function same(file: string, sha256: string): Promise<boolean> {
  const stats = fs.lstatSync(file, { throwIfNoEntry: false });
  return stats !== undefined && stats.isFile() && (stats.mode & 0o7777) === FILE_MODE && (await sha256File(file)) === sha256;
}

/** True when TFTP holds the recorded pair; an image without a kernel has nothing to hold. */
export async function kernelInPlace(record: KernelRecord | null | undefined, tftpDir: string, imageName: string): Promise<boolean> {
  if (!record) return true;
  const dest = kernelDestinations(tftpDir, imageName);
  return (await same(dest.vmlinuz, record.vmlinuzSha256)) && (await same(dest.initrd, record.initrdSha256));
}
