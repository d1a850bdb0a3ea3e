// A file cleanup rewrites by name keeps its content under every other hard link: such names are found so that the build can name them.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { joinBytes, relBytes, rootBytes, showRel, type TreeRel } from './tree-path.js';

/**
 * The tree paths, other than `rel`, of the file `stat` describes (same device and inode), found by walking the
 * tree without following symlinks. Only asked when st_nlink says there are some, since it reads the whole tree.
 */
export async function otherNames(root: string, rel: TreeRel, stat: Stats): Promise<Buffer[]> {
  const found: Buffer[] = [];
  const self = relBytes(rel);
  const base = rootBytes(root);
  const walk = async (dir: Buffer[]): Promise<void> => {
    const entries = await fs.readdir(dir.length === 0 ? root : joinBytes([base, ...dir]), { withFileTypes: true, encoding: 'buffer' });
    for (const entry of entries) {
      const parts = [...dir, entry.name];
      if (entry.isDirectory()) await walk(parts);
      if (!entry.isFile()) continue;
      const other = await fs.lstat(joinBytes([base, ...parts]));
      const name = joinBytes(parts);
      if (other.ino === stat.ino && other.dev === stat.dev && !name.equals(self)) found.push(name);
    }
  };
  await walk([]);
  return found.sort(Buffer.compare);
}

/**
 * Refuses a file whose other hard links reach the image: they would ship what cleanup scrubs here. Names
 * outside the tree ship nothing, nor do those `gone` says cleanup or the excludes take care of.
 */
export async function assertOnlyName(root: string, rel: TreeRel, stat: Stats, gone: (rel: string) => boolean, what: string): Promise<void> {
  if (stat.nlink < 2) return;
  // A name that is not UTF-8 cannot be asked about as text: it counts as shipped.
  const isGone = (name: Buffer): boolean => Buffer.from(name.toString('utf8')).equals(name) && gone(name.toString('utf8'));
  const shipped = (await otherNames(root, rel, stat)).filter((name) => !isGone(name)).map(showRel);
  if (shipped.length === 0) return;
  throw new Error(
    `${showRel(rel)} has ${stat.nlink} hard links, and the other ${shipped.length === 1 ? 'name' : 'names'} (${shipped.join(', ')}) would ship ${what}; ` +
      `make ${showRel(rel)} a file of its own in the source (cp it, then mv the copy over it), or set cleanup: false`,
  );
}
