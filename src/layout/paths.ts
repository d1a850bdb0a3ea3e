// Where an image and its companions live under BASE/images, in one place so no module spells a path differently.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError, errorCode } from '../core/errors.js';

export interface ImagePaths {
  imagesDir: string;
  image: string;
  backup: string;
  tmp: string;
  /** A new image that failed its boot check, kept for inspection: clients, generations and revert never use it. */
  failed: string;
  /** Why NAME.img.failed failed, and the source state it was built from (store/verdict.ts). */
  verdict: string;
  lock: string;
  /** sha256 cache of compare: checksum, keyed by inode and times. */
  checksumCache: string;
  /** Which find stat stream a full walk found to match the recorded fingerprint (scan/walk-record.ts). */
  walkRecord: string;
  /** The xattrs the last walk found, by inode and ctime, so the next reads only what changed since (fingerprint/xattr-gate.ts). */
  xattrRecord: string;
  tftpDir: string;
  kernelDir: string;
}

export function imagePaths(baseDir: string, tftpDir: string, name: string): ImagePaths {
  const imagesDir = path.join(baseDir, 'images');
  const image = path.join(imagesDir, `${name}.img`);
  return {
    imagesDir,
    image,
    backup: `${image}.old`,
    tmp: `${image}.tmp`,
    failed: `${image}.failed`,
    verdict: `${image}.failed.json`,
    lock: path.join(imagesDir, `.${name}.lock`),
    checksumCache: path.join(imagesDir, `.${name}.checksums`),
    walkRecord: path.join(imagesDir, `.${name}.walk`),
    xattrRecord: path.join(imagesDir, `.${name}.xattrs`),
    tftpDir,
    kernelDir: path.join(tftpDir, 'ltsp', name),
  };
}

/**
 * As the reference's `mkdir -pm 0700 BASE/images` under its umask 022: the images dir 0700 (images hold whatever
 * the source had; NFS serves it as root), a missing base dir and its parents 0755, whatever our own umask.
 * Existing dirs keep the mode their admin chose.
 */
export function ensureImagesDir(paths: ImagePaths, baseOption = 'base_dir'): void {
  try {
    const first = fs.mkdirSync(paths.imagesDir, { recursive: true, mode: 0o700 });
    for (let dir = paths.imagesDir; first !== undefined; dir = path.dirname(dir)) {
      fs.chmodSync(dir, dir === paths.imagesDir ? 0o700 : 0o755);
      if (dir === first || dir === path.dirname(dir)) break;
    }
  } catch (error) {
    const code = errorCode(error) ?? 'error';
    throw new ModuleError(`Cannot create ${paths.imagesDir} (${code}); check option ${baseOption} and that it is writable`, { cause: error });
  }
}
