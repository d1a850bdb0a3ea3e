// ltsp_image_info's boot check of a published image: what clients load from TFTP, booted from a copy, so nothing under the images dir is written.
import fs from 'node:fs';
import { kernelDestinations } from '../kernel/compare.js';
import type { ImagePaths } from '../layout/paths.js';
import { makeWorkDir, newInfoWorkDirPath, removeWorkDir } from '../layout/work-dir.js';
import { bootImage, type BootReport } from './check.js';

/** `ltspImg` comes from checkBootRequirements, called once before the images are looked at. */
export async function bootPublished(paths: ImagePaths, name: string, ltspImg: string, timeoutSeconds: number, signal: AbortSignal, warn: (m: string) => void): Promise<BootReport> {
  const kernel = kernelDestinations(paths.tftpDir, name);
  if (!fs.existsSync(kernel.vmlinuz) || !fs.existsSync(kernel.initrd)) {
    return { accel: 'none', seconds: 0, reached: false, ended: `no kernel and initrd in ${kernel.dir}: clients cannot boot ${name}`, console_tail: '' };
  }
  // An info work dir names its owner, so a killed run's is removed by the next info run.
  const workDir = newInfoWorkDirPath(name);
  makeWorkDir(workDir, []);
  try {
    return await bootImage({
      image: paths.image,
      imageName: name,
      kernel: { vmlinuzPath: kernel.vmlinuz, initrdPath: kernel.initrd },
      ltspImg,
      workDir,
      timeoutSeconds,
      signal,
      linkImage: false,
    });
  } finally {
    const problem = removeWorkDir(workDir);
    if (problem) warn(problem);
  }
}
