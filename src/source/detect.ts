// Which images `ltsp image` with no name builds: every chroot, VM disk and exported image under BASE_DIR, by simple name.
import fs from 'node:fs';
import path from 'node:path';
import { withLtspConf } from '../ltsp-conf/read.js';
import { ModuleError } from '../core/errors.js';

/** Beyond this many, the reference wants ALL_IMAGES=1 before building them all. */
export const MAX_IMPLICIT_IMAGES = 3;

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
}

/** Like the reference's `test -f` / `test -d`: symlinks followed, anything unreadable is false. */
function stat(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
const isFile = (file: string) => stat(file)?.isFile() ?? false;
const isDir = (dir: string) => stat(dir)?.isDirectory() ?? false;

/** The reference's list_img_names: chroots BASE/NAME (with proc/), VM disks BASE/NAME.img, images BASE/images/NAME.img, sorted, unique. */
export function listImageNames(baseDir: string): string[] {
  const names = new Set<string>();
  for (const name of entries(baseDir)) {
    const full = path.join(baseDir, name);
    if (isDir(path.join(full, 'proc'))) names.add(name);
    else if (name.endsWith('.img') && isFile(full)) names.add(name.slice(0, -4));
  }
  for (const name of entries(path.join(baseDir, 'images'))) {
    if (name.endsWith('.img') && isFile(path.join(baseDir, 'images', name))) names.add(name.slice(0, -4));
  }
  return [...names].filter(Boolean).sort();
}

/**
 * The images a command line without IMAGE builds, under the base dir its options and ltsp.conf give. More than three
 * need ALL_IMAGES=1 (in the environment or ltsp.conf), as with `ltsp image`; none at all is an error here.
 */
export function detectImages(cliOptions: Record<string, unknown>): string[] {
  const given: { base_dir: string; ltsp_conf?: string | null } = { base_dir: '/srv/ltsp', ...cliOptions };
  const { options, conf } = withLtspConf(given, Object.keys(cliOptions), () => {});
  const baseDir = String(options.base_dir);
  const names = listImageNames(baseDir);
  if (!names.length) {
    throw new ModuleError(`No image source found in ${baseDir} (no chroot NAME/ with proc/, no NAME.img, no images/NAME.img): name the IMAGE, e.g. ltsp_image x86_64, or ltsp_image / for the server itself`);
  }
  // ltsp.conf is evaluated after the environment, so its ALL_IMAGES wins.
  const all = conf?.evaluation.assigned.get('ALL_IMAGES')?.value ?? process.env.ALL_IMAGES;
  if (names.length > MAX_IMPLICIT_IMAGES && all !== '1') {
    throw new ModuleError(`Refusing to build ${names.length} detected images (${names.join(', ')}) at once: set ALL_IMAGES=1 to allow this, or name the IMAGEs`);
  }
  return names;
}
