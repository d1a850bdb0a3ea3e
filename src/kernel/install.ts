// Clients fetch the kernel over TFTP at any time, so it must be replaced atomically and only when it really changed.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { kernelDestinations, sameContent } from './compare.js';
import { hasCode } from '../core/errors.js';

/** World-readable, as `install -m 644` leaves it, so tftpd and HTTP servers running as other users can serve it. */
/** What a TFTP server needs to serve the pair, and what the module repairs a hand-changed mode to. */
export const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const CHUNK = 1 << 20;

export interface KernelInstall {
  /** Whether either file was written or had its mode fixed. */
  changed: boolean;
  /** Destination paths. */
  vmlinuz: string;
  initrd: string;
  /** True when TFTP had no vmlinuz for this image before, so the iPXE menu lacks it ("ltsp ipxe"). */
  newVmlinuz: boolean;
  vmlinuzChanged: boolean;
  initrdChanged: boolean;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** mkdir -p, but each directory it creates gets 0755 whatever the umask; existing ones are left alone. */
async function makeDirectories(dir: string): Promise<void> {
  const stats = await stat(dir).catch((error: unknown) => {
    if (hasCode(error, 'ENOENT')) return null;
    throw error;
  });
  if (stats !== null) {
    if (!stats.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    return;
  }
  await makeDirectories(path.dirname(dir));
  try {
    await mkdir(dir, DIR_MODE);
  } catch (error) {
    if (hasCode(error, 'EEXIST')) return;
    throw error;
  }
  await chmod(dir, DIR_MODE);
}

/**
 * Copies `source` to `destination` like `install -p -m 644`: through a temporary file in the same
 * directory renamed into place, with the source's access and modification times.
 */
async function copyAtomically(source: string, destination: string): Promise<void> {
  const temporary = path.join(
    path.dirname(destination),
    `.${path.basename(destination)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  // The source was resolved inside an untrusted tree: never follow a symlink swapped in since.
  const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = await input.stat();
    if (!stats.isFile()) throw new Error(`${source} is not a regular file`);
    const output = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        for (let written = 0; written < bytesRead; ) {
          written += (await output.write(buffer, written, bytesRead - written)).bytesWritten;
        }
      }
      await output.chmod(FILE_MODE);
      await output.utimes(stats.atimeMs / 1000, stats.mtimeMs / 1000);
      await output.sync();
    } finally {
      await output.close();
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await input.close();
  }
}

/** Installs one file unless the destination already holds the same bytes; returns whether anything changed. */
export async function installFile(source: string, destination: string): Promise<boolean> {
  const current = await lstat(destination).catch((error: unknown) => {
    if (hasCode(error, 'ENOENT')) return null;
    throw error;
  });
  if (current !== null && current.isFile() && (await sameContent(source, destination))) {
    if ((current.mode & 0o7777) === FILE_MODE) return false;
    await chmod(destination, FILE_MODE);
    return true;
  }
  await copyAtomically(source, destination);
  return true;
}

/** Copies a found kernel and initrd to TFTP/ltsp/NAME/vmlinuz and initrd.img. */
export async function installKernel(
  match: { vmlinuzPath: string; initrdPath: string },
  tftpDir: string,
  imageName: string,
): Promise<KernelInstall> {
  const destinations = kernelDestinations(tftpDir, imageName);
  await makeDirectories(destinations.dir);
  const newVmlinuz = !(await exists(destinations.vmlinuz));
  const vmlinuzChanged = await installFile(match.vmlinuzPath, destinations.vmlinuz);
  const initrdChanged = await installFile(match.initrdPath, destinations.initrd);
  return {
    changed: vmlinuzChanged || initrdChanged,
    vmlinuz: destinations.vmlinuz,
    initrd: destinations.initrd,
    newVmlinuz,
    vmlinuzChanged,
    initrdChanged,
  };
}
