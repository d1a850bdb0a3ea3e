// TFTP can be repaired without rebuilding the image only if we can tell whether its kernel copies are still current.
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { statIfAny } from '../fs/stat.js';

/** Large enough to compare a 100 MB initrd quickly, small enough to keep memory flat. */
const CHUNK = 1 << 20;

export interface KernelDestinations {
  dir: string;
  vmlinuz: string;
  initrd: string;
}

/** Where iPXE fetches an image's kernel: TFTP/ltsp/NAME/{vmlinuz,initrd.img}; NAME must be one path component. */
export function kernelDestinations(tftpDir: string, imageName: string): KernelDestinations {
  if (imageName === '' || imageName === '.' || imageName === '..' || /[/\0]/.test(imageName)) {
    throw new Error(`invalid image name ${JSON.stringify(imageName)}: it must be a single path component`);
  }
  const dir = path.join(path.resolve(tftpDir), 'ltsp', imageName);
  return { dir, vmlinuz: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
}

/** Fills `buffer` from the current position unless the file ends first; returns the bytes read. */
async function readFully(handle: FileHandle, buffer: Buffer): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** True when both paths are regular files with the same size and bytes. */
export async function sameContent(a: string, b: string): Promise<boolean> {
  const statsA = statIfAny(a);
  const statsB = statIfAny(b);
  if (!statsA?.isFile() || !statsB?.isFile()) return false;
  if (statsA.size !== statsB.size) return false;
  if (statsA.dev === statsB.dev && statsA.ino === statsB.ino) return true;
  const handleA = await open(a, 'r');
  try {
    const handleB = await open(b, 'r');
    try {
      const bufferA = Buffer.allocUnsafe(CHUNK);
      const bufferB = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const [readA, readB] = await Promise.all([readFully(handleA, bufferA), readFully(handleB, bufferB)]);
        if (readA !== readB) return false;
        if (readA === 0) return true;
        if (!bufferA.subarray(0, readA).equals(bufferB.subarray(0, readB))) return false;
      }
    } finally {
      await handleB.close();
    }
  } finally {
    await handleA.close();
  }
}
