// Reads the dpkg status as it ends up in the image: from the built squashfs, or for check mode from the stacked directory sources.
import path from 'node:path';
import { execa } from 'execa';
import { inspect, readRegular } from '../cleanup/tree-fs.js';
import { compileExcludes } from '../match/exclude-matcher.js';
import { hostTree, type ResolvedSource } from '../source/kinds.js';
import { parseStatus, type Package } from './status.js';

export const STATUS = 'var/lib/dpkg/status';
/** Far above a desktop's status file (a few MiB): more is not a dpkg status file. */
const MAX = 64 << 20;

/** The image's packages, or why it has none that can be read ("no var/lib/dpkg/status: not a Debian tree"). */
export type PackageRead = { packages: Package[] } | { none: string };

/** unsquashfs -cat refuses a symlink and a directory, so only a regular file in the image is read. */
export async function packagesInImage(image: string, signal?: AbortSignal): Promise<PackageRead> {
  const cat = await execa('unsquashfs', ['-cat', image, STATUS], { reject: false, stdin: 'ignore', maxBuffer: MAX, cancelSignal: signal, stripFinalNewline: false });
  if (cat.exitCode === 0) return { packages: parseStatus(String(cat.stdout)) };
  if (/no matches/.test(String(cat.stderr))) return { none: `no ${STATUS} in the image: not a Debian tree` };
  return { none: `${STATUS} in the image could not be read (${String(cat.stderr).trim().split('\n').pop() ?? `exit ${cat.exitCode}`})` };
}

/** The stacked sources' top one that holds the path wins, as in the overlay; other source kinds are only readable once built. */
export async function packagesInSources(sources: ResolvedSource[], excludes: string[]): Promise<PackageRead> {
  if (compileExcludes(excludes).excludes(STATUS)) return { none: `${STATUS} is excluded from the image` };
  for (const source of [...sources].reverse()) {
    if (source.subdir && !STATUS.startsWith(`${source.subdir}/`)) continue;
    const tree = hostTree(source);
    if (tree === null) return { none: `the packages of ${source.path} (${source.kind}) are known once it is built` };
    const rel = source.subdir ? STATUS.slice(source.subdir.length + 1) : STATUS;
    const entry = await inspect(tree, rel);
    if (entry.kind === 'missing') continue;
    if (entry.kind !== 'regular') return { none: `${path.join(tree, rel)} is not a regular file inside the tree` };
    if (entry.stat.size > MAX) return { none: `${path.join(tree, rel)} is larger than 64 MiB` };
    const { data } = await readRegular(tree, rel);
    return { packages: parseStatus(data.toString('utf8')) };
  }
  return { none: `no ${STATUS} in the source: not a Debian tree` };
}
