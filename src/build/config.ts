// The build configuration that changes what ends up in the image, hashed so a changed option triggers a rebuild and is named.
import crypto from 'node:crypto';
import { CLEANUP_FORMAT_VERSION } from '../cleanup/index.js';
import type { ResolvedSource } from '../source/resolve.js';

/** Changes whenever the module changes what it puts into an image, so old images get rebuilt once; so far only cleanup steps have. */
export const IMAGE_FORMAT_VERSION = CLEANUP_FORMAT_VERSION;

export interface BuildConfig {
  format_version: number;
  sources: { path: string; kind: string; subdir: string | null; partition: number | null; fstype: string | null; options: string[] }[];
  excludes_sha256: string;
  mksquashfs_params: string[];
  cleanup: boolean;
  overlay: boolean;
  kernel_initrd: string | null;
  compare: string;
}

export function buildConfig(input: {
  sources: ResolvedSource[];
  excludes: string[];
  params: string[];
  cleanup: boolean;
  overlay: boolean;
  kernelInitrd: string | null;
  compare: string;
}): BuildConfig {
  return {
    format_version: IMAGE_FORMAT_VERSION,
    sources: input.sources.map((s) => ({
      path: s.path,
      kind: s.kind,
      subdir: s.subdir ?? null,
      partition: s.partition ?? null,
      fstype: s.fstype ?? null,
      options: s.options,
    })),
    excludes_sha256: crypto.createHash('sha256').update(input.excludes.join('\n')).digest('hex'),
    mksquashfs_params: input.params,
    cleanup: input.cleanup,
    overlay: input.overlay,
    kernel_initrd: input.kernelInitrd,
    compare: input.compare,
  };
}

export function configHash(config: BuildConfig): string {
  return crypto.createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** Names of the settings that differ, for the report; `excludes_sha256` is reported as the exclude list. */
export function changedSettings(before: Record<string, unknown>, after: BuildConfig): string[] {
  return Object.keys(after)
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key as keyof BuildConfig]))
    .map((key) => (key === 'excludes_sha256' ? 'excludes' : key));
}
