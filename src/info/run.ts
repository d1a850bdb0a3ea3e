// The ltsp_image_info module: read-only, lists the images under BASE/images and whether their sources drifted.
import fs from 'node:fs';
import type { LtspImageInfoOptions, LtspImageInfoResult } from '../generated/ltsp_image_info.js';
import { withLtspConf } from '../ltsp-conf/read.js';
import { ModuleError, errorCode, hasCode } from '../core/errors.js';
import type { ModuleContext, RunResult } from '../runtime/module.js';
import { checkImageName } from '../source/image-name.js';
import { imagePaths } from '../layout/paths.js';
import { checkDirOption } from '../store/dirs.js';
import { removeDeadInfoWorkDirs } from '../layout/work-dir.js';
import { inspectImage, type ImageInfo } from './inspect.js';
import { statusLine } from './status-line.js';
import { bootPublished } from '../boot/info-check.js';
import type { BootReport } from '../boot/check.js';
import { checkBootRequirements } from '../boot/requirements.js';

type InfoOptions = Required<LtspImageInfoOptions>;

function imageNames(imagesDir: string): string[] {
  try {
    return fs
      .readdirSync(imagesDir)
      .filter((n) => n.endsWith('.img') && !n.startsWith('.'))
      .map((n) => n.slice(0, -'.img'.length))
      .sort();
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return [];
    throw new ModuleError(`Cannot list ${imagesDir} (${errorCode(error)}); check base_dir`, { cause: error });
  }
}

export async function runLtspImageInfo(input: LtspImageInfoOptions, context: ModuleContext): Promise<RunResult<LtspImageInfoResult>> {
  const { options, conf } = withLtspConf(input as InfoOptions, context.explicit, (m) => context.warn(m), ['base_dir', 'tftp_dir']);
  const baseDir = checkDirOption(options.base_dir, 'base_dir');
  const tftpDir = checkDirOption(options.tftp_dir, 'tftp_dir');
  const imagesDir = imagePaths(baseDir, tftpDir, 'x').imagesDir;
  // A fresh server may have no images dir yet, but a base dir that is not there at all is a typo, not "0 images".
  if (!fs.existsSync(baseDir)) throw new ModuleError(`Option base_dir: ${baseDir} does not exist; give the LTSP base directory (default /srv/ltsp)`);
  // Work dirs of info runs that were killed; a check-mode run leaves them to the next real one.
  if (!context.checkMode) removeDeadInfoWorkDirs().forEach((problem) => context.warn(problem));
  const ltspImg = options.boot_check ? checkBootRequirements(tftpDir, true) : null;
  const names = options.name ? [checkImageName(options.name.replace(/\.img$/, ''), 'name')] : imageNames(imagesDir);
  const images: (ImageInfo & { boot?: BootReport })[] = [];
  for (const name of names) {
    const info = await inspectImage(imagePaths(baseDir, tftpDir, name), name, options.drift, context.signal, (m) => context.warn(m));
    if (info) {
      const image = ltspImg ? { ...info, boot: await bootPublished(imagePaths(baseDir, tftpDir, name), name, ltspImg, options.boot_timeout, context.signal, (m) => context.warn(m)) } : info;
      images.push({ ...image, status: statusLine(image) });
    }
    else if (options.name) throw new ModuleError(`No image named ${name} in ${imagesDir}: build it with ltsp_image first`);
  }
  const drifted = images.filter((i) => i.drifted).map((i) => i.name);
  const held = images.filter((i) => i.held).map((i) => i.name);
  const heldNote = held.length ? `, ${held.length} held after a revert (${held.join(', ')})` : '';
  const unbootable = images.filter((i) => i.boot && !i.boot.reached).map((i) => i.name);
  const bootNote = ltspImg ? `, ${unbootable.length} failed the boot check${unbootable.length ? ` (${unbootable.join(', ')})` : ''}` : '';
  const head = `${images.length} image${images.length === 1 ? '' : 's'} in ${imagesDir}${options.drift ? `, ${drifted.length} drifted${drifted.length ? ` (${drifted.join(', ')})` : ''}${heldNote}` : ''}${bootNote}`;
  const msg = [head, ...images.map((i) => i.status)].join('\n');
  return { changed: false, msg, images, drifted, held, ...(conf ? { from_ltsp_conf: conf.origins } : {}) };
}
