// Spells the mount(8) argv for each kind of source: loop mounts at a partition's offset, read-only, ext* without journal replay.
import { mountOptionsFor } from '../source/probe.js';
import type { ResolvedSource } from '../source/resolve.js';

export function loopMountArgv(source: ResolvedSource, target: string): string[] {
  const opts = ['loop', ...mountOptionsFor(source.fstype ?? '').split(',')];
  if (source.kind === 'disk') opts.push(`offset=${source.offset}`, `sizelimit=${source.sizelimit}`);
  opts.push(...source.options);
  return ['mount', '-t', source.fstype ?? 'auto', '-o', opts.join(','), source.path, target];
}

export function bindMountArgv(source: ResolvedSource, target: string): string[] {
  return ['mount', '-o', ['bind', 'ro', ...source.options].join(','), source.path, target];
}

/** overlayfs splits lowerdir on ':' and options on ','; escape both in a path. */
function escapeOverlay(dir: string): string {
  return dir.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/,/g, '\\,');
}

export function overlayMountArgv(lower: string, upper: string, work: string, target: string): string[] {
  const opts = `lowerdir=${escapeOverlay(lower)},upperdir=${escapeOverlay(upper)},workdir=${escapeOverlay(work)}`;
  return ['mount', '-t', 'overlay', '-o', opts, 'overlay', target];
}
