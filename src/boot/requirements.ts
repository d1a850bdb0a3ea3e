// What a boot check needs, checked before minutes of mksquashfs: QEMU, the tools around it, and LTSP's ltsp.img in TFTP.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../core/errors.js';
import { findExecutable } from '../core/executable.js';
import { QEMU } from './qemu.js';

/** Where `ltsp initrd` writes the initrd every LTSP client loads first. */
export function ltspImgPath(tftpDir: string): string {
  return path.join(tftpDir, 'ltsp', 'ltsp.img');
}

/** Returns the path of ltsp.img; `kernel` is whether the build finds the image's kernel (the check boots it). */
export function checkBootRequirements(tftpDir: string, kernel: boolean, option = 'boot_check'): string {
  if (!kernel) throw new ModuleError(`Option ${option} boots the image's own kernel: it needs kernel: true`);
  const img = ltspImgPath(tftpDir);
  if (!fs.statSync(img, { throwIfNoEntry: false })?.isFile()) {
    const command = tftpDir === '/srv/tftp' ? 'ltsp initrd' : `ltsp --tftp-dir=${tftpDir} initrd`;
    throw new ModuleError(`Option ${option}: ${img} is missing (LTSP clients load it first); create it with: ${command}`);
  }
  if (!findExecutable(QEMU)) throw new ModuleError(`Option ${option}: ${QEMU} not found in PATH; install the package qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86)`);
  if (!findExecutable('mkfs.ext4')) throw new ModuleError(`Option ${option}: mkfs.ext4 not found in PATH; install the package e2fsprogs`);
  if (!findExecutable('setpriv')) throw new ModuleError(`Option ${option}: setpriv not found in PATH; install the package util-linux`);
  return img;
}

/** A failed image is renamed onto `failedPath`, which a file (the last failure's) or a symlink can be, never a directory. */
export function checkFailedPath(failedPath: string): void {
  if (fs.lstatSync(failedPath, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ModuleError(`Option boot_check keeps an image that fails to boot as ${failedPath}, but that is a directory; remove it or move it away`);
  }
}
