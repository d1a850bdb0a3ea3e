// Why the image grew: its size against the generation it replaces, put down to top-level directories and packages.
import { execa } from 'execa';
import type { Package } from './status.js';

export interface Contributor {
  /** A top-level directory ("usr/") or a package ("firefox-esr"). */
  name: string;
  /** Bytes, uncompressed: files' sizes for a directory, Installed-Size for a package. */
  delta: number;
}

export interface Growth {
  size: number;
  previous: number | null;
  delta: number | null;
  /** Percent of the previous size, one decimal. */
  percent: number | null;
  contributors: Contributor[];
}

const TOP = 3;

/** Bytes of regular files under each top-level entry of the image, from unsquashfs's listing (no extraction). */
export async function topLevelSizes(image: string, signal?: AbortSignal): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  const listing = execa('unsquashfs', ['-lln', '-d', '', image], { reject: false, stdin: 'ignore', cancelSignal: signal, buffer: false, lines: true });
  for await (const line of listing) {
    const m = /^-\S* \S+ +(\d+) \S+ \S+ \/?([^/]+)(\/)?/.exec(String(line));
    if (m) {
      const top = m[3] ? `${m[2]}/` : m[2]!;
      sizes[top] = (sizes[top] ?? 0) + Number(m[1]);
    }
  }
  await listing;
  return sizes;
}

function dirDeltas(before: Record<string, number> | null, after: Record<string, number>): Contributor[] {
  if (!before) return [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].map((name) => ({ name, delta: (after[name] ?? 0) - (before[name] ?? 0) }));
}

function packageDeltas(before: Package[] | null, after: Package[] | null): Contributor[] {
  if (!before || !after) return [];
  const sizes = new Map<string, number>();
  before.forEach((p) => sizes.set(`${p.name}:${p.arch}`, -p.kib * 1024));
  after.forEach((p) => sizes.set(`${p.name}:${p.arch}`, (sizes.get(`${p.name}:${p.arch}`) ?? 0) + p.kib * 1024));
  return [...sizes].map(([key, delta]) => ({ name: key.replace(/:[^:]*$/, ''), delta }));
}

/** The largest contributors in the direction the image moved (growth: the biggest additions), directories first. */
export function growthOf(
  size: number,
  previous: number | null,
  dirs: { before: Record<string, number> | null; after: Record<string, number> },
  packages: { before: Package[] | null; after: Package[] | null },
): Growth {
  const delta = previous === null ? null : size - previous;
  const sign = (delta ?? 0) < 0 ? -1 : 1;
  const top = (list: Contributor[]) => list.filter((c) => c.delta * sign > 0).sort((a, b) => (b.delta - a.delta) * sign).slice(0, TOP);
  return {
    size,
    previous,
    delta,
    percent: previous ? Math.round((delta! / previous) * 1000) / 10 : null,
    contributors: [...top(dirDeltas(dirs.before, dirs.after)), ...top(packageDeltas(packages.before, packages.after))],
  };
}
