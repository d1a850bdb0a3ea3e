// An image only boots with the kernel and initrd that belong together; this picks that pair the way `ltsp kernel` does.
import { stat } from 'node:fs/promises';
import { globInRoot } from './glob.js';
import { resolveInRoot } from './resolve-in-root.js';
import { applySed, compileSed, type CompiledSed } from './sed.js';
import { KERNEL_PATTERNS, parseKernelPattern, SEARCH_BASES, type KernelPattern } from './table.js';
import { sortVersionsDescending } from './version-sort.js';

export interface KernelMatch {
  /** Kernel path relative to the image root, as matched (e.g. "vmlinuz" for the Debian symlink). */
  vmlinuz: string;
  /** Initrd path relative to the image root, as derived by the sed command. */
  initrd: string;
  /** Absolute host path of the real kernel file, symlinks resolved inside the root. */
  vmlinuzPath: string;
  /** Absolute host path of the real initrd file, symlinks resolved inside the root. */
  initrdPath: string;
}

/** Resolves `rel` inside the root and returns the host path only if it ends at a regular file. */
async function regularFile(root: string, rel: string): Promise<string | null> {
  const resolved = await resolveInRoot(root, rel);
  if (resolved === null) return null;
  const stats = await stat(resolved);
  return stats.isFile() ? resolved : null;
}

/** An absolute derived path means the image's own "/", like every path inside the tree. */
function fromRoot(rel: string): string {
  return rel.startsWith('/') ? rel.replace(/^\/+/, '') : rel;
}

/** Every kernel the glob matches in the root and in boot/, spelled relative to the root. */
async function kernelsFor(root: string, glob: string): Promise<string[]> {
  const kernels: string[] = [];
  for (const base of SEARCH_BASES) {
    for (const rel of await globInRoot(root, base, glob)) kernels.push(base === '' ? rel : `${base}/${rel}`);
  }
  return kernels;
}

/** Like `ltsp kernel`, root and boot/ matches compete in one version sort, and sed sees the root-relative path. */
async function firstPair(root: string, glob: string, sed: CompiledSed): Promise<KernelMatch | null> {
  for (const vmlinuz of sortVersionsDescending(await kernelsFor(root, glob))) {
    const initrd = fromRoot(applySed(sed, vmlinuz));
    if (initrd === vmlinuz || initrd === '') continue;
    const vmlinuzPath = await regularFile(root, vmlinuz);
    if (vmlinuzPath === null) continue;
    const initrdPath = await regularFile(root, initrd);
    if (initrdPath === null) continue;
    return { vmlinuz, initrd, vmlinuzPath, initrdPath };
  }
  return null;
}

/**
 * Searches the image tree at `root` with the user's "GLOB SED" pattern, if any, then the built-in
 * table. For each pattern in turn, the glob's matches in the root and in boot/ are tried newest
 * version first; the first kernel whose derived initrd exists wins. Returns null when none does.
 */
export async function findKernel(root: string, userPattern?: string): Promise<KernelMatch | null> {
  const rows: KernelPattern[] = [];
  if (userPattern !== undefined && userPattern.trim() !== '') rows.push(parseKernelPattern(userPattern));
  rows.push(...KERNEL_PATTERNS);
  const compiled = rows.map((row) => ({ glob: row.glob, sed: compileSed(row.sed) }));
  const rootStats = await stat(root);
  if (!rootStats.isDirectory()) throw new Error(`image tree ${root} is not a directory`);
  for (const row of compiled) {
    const match = await firstPair(root, row.glob, row.sed);
    if (match !== null) return match;
  }
  return null;
}
