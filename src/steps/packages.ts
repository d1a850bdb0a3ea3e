// What a build learns about its packages and size once mksquashfs wrote the image, against the generation it replaces.
import type { Generation } from '../store/generations.js';
import { formatBytes } from '../report/format.js';
import { changesLine, comparePackages, type PackageChanges } from '../packages/changes.js';
import { growthOf, topLevelSizes, type Growth } from '../packages/growth.js';
import { packagesInImage, type PackageRead } from '../packages/read.js';
import { decodeList, encodeList, type Package } from '../packages/status.js';

export interface PackageFacts {
  /** The compact list (see encodeList), or null when the image has no readable dpkg status. */
  packageList: string | null;
  packages: PackageChanges | null;
  /** The changelog line, or why there is none. */
  packagesSummary: string;
  topSizes: Record<string, number>;
  growth: Growth;
}

/** The previous list from its record; a record from before package lists were kept is read from its image, once. */
async function previousPackages(previous: Generation | null, signal?: AbortSignal): Promise<PackageRead | null> {
  if (!previous?.state) return null;
  const list = previous.state.packageList;
  if (list !== undefined) return list === null ? { none: 'the image it replaces has no package list' } : { packages: decodeList(list) };
  return packagesInImage(previous.file, signal);
}

export function changesAgainst(before: PackageRead | null, after: PackageRead): { packages: PackageChanges | null; summary: string } {
  if ('none' in after) return { packages: null, summary: `packages unknown: ${after.none}` };
  const count = `${after.packages.length} package${after.packages.length === 1 ? '' : 's'}`;
  if (!before) return { packages: null, summary: count };
  if ('none' in before) return { packages: null, summary: `${count} (${before.none})` };
  const packages = comparePackages(before.packages, after.packages);
  return { packages, summary: changesLine(packages) };
}

/** `walked`: the top-level sizes the source walk summed (see FingerprintResult.topSizes); null lists the image for them. */
export async function packageFacts(image: string, size: number, previous: Generation | null, walked: Record<string, number> | null, signal?: AbortSignal): Promise<PackageFacts> {
  const [now, before, topSizes] = await Promise.all([packagesInImage(image, signal), previousPackages(previous, signal), walked ?? topLevelSizes(image, signal)]);
  const { packages, summary } = changesAgainst(before, now);
  const list = (read: PackageRead | null): Package[] | null => (read && 'packages' in read ? read.packages : null);
  const growth = growthOf(size, previous?.state?.image.size ?? null, { before: previous?.state?.topSizes ?? null, after: topSizes }, { before: list(before), after: list(now) });
  return { packageList: 'packages' in now ? encodeList(now.packages) : null, packages, packagesSummary: summary, topSizes, growth };
}

const signed = (bytes: number) => `${bytes < 0 ? '-' : '+'}${formatBytes(Math.abs(bytes))}`;

/** "grew by 13.6 % (+150.0 MB, 1.1 GB -> 1.2 GB): usr/ +160.0 MB, zoom +150.0 MB" */
export function growthLine(growth: Growth): string {
  const top = growth.contributors.map((c) => `${c.name} ${signed(c.delta)}`).join(', ');
  const moved = (growth.delta ?? 0) < 0 ? 'shrank' : 'grew';
  return `${moved} by ${Math.abs(growth.percent ?? 0)} % (${signed(growth.delta ?? 0)}, ${formatBytes(growth.previous ?? 0)} -> ${formatBytes(growth.size)})${top ? `: ${top}` : ''}`;
}

/** A growth above the threshold (percent, 0 for never) is worth a warning. */
export function growthWarning(name: string, growth: Growth, threshold: number): string | null {
  if (!threshold || growth.percent === null || growth.percent <= threshold) return null;
  return `${name} ${growthLine(growth)}; above growth_warning ${threshold} %`;
}
