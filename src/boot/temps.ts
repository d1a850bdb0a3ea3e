// The boot check's files inside a work dir, named in one place so a killed run's leftovers are removed file by file, never recursively.
import fs from 'node:fs';
import path from 'node:path';

/** Our client archive, beside the boot dir. */
export const BOOT_ARCHIVE = 'boot-check.cpio';
/** QEMU's disk, initrd and snapshot overlay (QEMU's TMPDIR). */
export const BOOT_DIR = 'boot';
const STAGING = 'disk-root';

/** Where bootClient stages the image for mkfs.ext4 -d. */
export function stagingDir(bootDir: string): string {
  return path.join(bootDir, STAGING);
}

function list(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
}

/** Files (relative to the work dir) a killed boot check may leave: the disk, the initrd, the staged image link, QEMU's `vl.*` snapshot. */
export function bootLeftoverFiles(workDir: string): string[] {
  const boot = path.join(workDir, BOOT_DIR);
  const images = path.join(stagingDir(boot), 'images');
  return [
    BOOT_ARCHIVE,
    ...['images.ext4', 'initrd', ...list(boot, /^vl\.[A-Za-z0-9]{6}$/)].map((n) => path.join(BOOT_DIR, n)),
    ...list(images, /\.img$/).map((n) => path.join(BOOT_DIR, STAGING, 'images', n)),
  ];
}

/** Their directories, innermost first, for rmdir. */
export const BOOT_LEFTOVER_DIRS = [path.join(BOOT_DIR, STAGING, 'images'), path.join(BOOT_DIR, STAGING), BOOT_DIR];
