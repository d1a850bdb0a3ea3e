// Refuses sources that can never converge: an image rebuilt from its own file, or one whose images dir ends up inside itself.
import fs from 'node:fs';
import path from 'node:path';
import { compileExcludes } from '../match/exclude-matcher.js';
import { ModuleError } from '../core/errors.js';
import type { ImagePaths } from '../layout/paths.js';
import { statIfAny, UNREACHABLE } from '../fs/stat.js';
import { hostTree, type ResolvedSource } from './kinds.js';

/** The image's own files: NAME.img, NAME.img.old, NAME.img.GENERATION and the like, as (dev, ino) pairs. */
function ownImageFiles(paths: ImagePaths, imageName: string): Set<string> {
  const names = fs.existsSync(paths.imagesDir) ? fs.readdirSync(paths.imagesDir) : [];
  const own = new Set<string>();
  for (const name of names.filter((n) => n === `${imageName}.img` || n.startsWith(`${imageName}.img.`))) {
    const stat = statIfAny(path.join(paths.imagesDir, name), UNREACHABLE);
    if (stat?.isFile()) own.add(`${stat.dev}:${stat.ino}`);
  }
  return own;
}

function refuseSelfSource(sources: ResolvedSource[], paths: ImagePaths, imageName: string): void {
  const own = ownImageFiles(paths, imageName);
  for (const source of sources.filter((s) => hostTree(s) === null)) {
    const stat = statIfAny(source.path, UNREACHABLE);
    if (stat && own.has(`${stat.dev}:${stat.ino}`)) {
      throw new ModuleError(
        `Option name: the source ${source.path} is a file of the image ${imageName} itself, so every run would rebuild it from itself; ` +
          `build from the chroot or disk it came from (is ${path.join(path.dirname(paths.imagesDir), imageName)} missing?), or set image_name to another name`,
      );
    }
  }
}

/** The real path of `target` even when its last parts don't exist yet (the images dir is made on the first build). */
function realPathAhead(target: string): string {
  const rest: string[] = [];
  let dir = path.resolve(target);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) {
    rest.unshift(path.basename(dir));
    dir = path.dirname(dir);
  }
  return path.join(fs.realpathSync(dir), ...rest);
}

/** The overlay's lower dir shows one filesystem only: a images dir on another mount never reaches the image. */
function sameFilesystem(root: string, rel: string[]): boolean {
  const rootDev = fs.statSync(root).dev;
  let dir = root;
  for (const part of rel) {
    dir = path.join(dir, part);
    const stat = statIfAny(dir, UNREACHABLE);
    if (!stat) return true;
    if (stat.dev !== rootDev) return false;
  }
  return true;
}

function refuseImagesInsideSource(sources: ResolvedSource[], paths: ImagePaths, excludes: string[]): void {
  const imagesDir = realPathAhead(paths.imagesDir);
  const matcher = compileExcludes(excludes);
  for (const source of sources) {
    const tree = hostTree(source);
    if (tree === null) continue;
    const root = fs.realpathSync(tree);
    const rel = path.relative(root, imagesDir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const parts = rel === '' ? [] : rel.split('/');
    if (!sameFilesystem(root, parts)) continue;
    const inImage = [...(source.subdir ? source.subdir.split('/') : []), ...parts].join('/');
    if (inImage !== '' && matcher.excludes(Buffer.from(inImage, 'utf8').toString('latin1'))) continue;
    throw new ModuleError(
      `Option base_dir: the images dir ${paths.imagesDir} lies inside the source ${source.path} and the excludes don't keep it out, ` +
        `so every image would contain the previous ones and grow on every build; add "${inImage || '*'}" to add_image_excludes or move base_dir out of the source`,
    );
  }
}

export function refuseNonConvergent(sources: ResolvedSource[], paths: ImagePaths, imageName: string, excludes: string[]): void {
  refuseSelfSource(sources, paths, imageName);
  refuseImagesInsideSource(sources, paths, excludes);
}
