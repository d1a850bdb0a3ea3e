// The build configuration that changes what ends up in the image, hashed so a changed option triggers a rebuild and is named.
import crypto from 'node:crypto';
import { CLEANUP_FORMAT_VERSION } from '../cleanup/index.js';
import { ltspImageAffectsImage, type LtspImageOptions } from '../generated/ltsp_image.js';
import { kindOf, type RecordedSource } from '../source/kinds.js';
import type { ResolvedSource } from '../source/resolve.js';

/** Changes whenever the module changes what it puts into an image, so old images get rebuilt once; so far only cleanup steps have. */
export const IMAGE_FORMAT_VERSION = CLEANUP_FORMAT_VERSION;

/** The options the schema marks "x-affects-image", recorded as the build used them. */
export type ImageOption = (typeof ltspImageAffectsImage)[number];
export type ImageOptions = { [K in ImageOption]-?: Exclude<LtspImageOptions[K], undefined> };

export interface BuildConfig extends ImageOptions {
  format_version: number;
  sources: RecordedSource[];
  excludes_sha256: string;
}

/** `options` as the build uses them (mksquashfs_params already split); the keys keep their recorded order, which the hash depends on. */
export function buildConfig(sources: ResolvedSource[], excludes: string[], options: ImageOptions): BuildConfig {
  return {
    format_version: IMAGE_FORMAT_VERSION,
    sources: sources.map((s) => kindOf(s).recorded(s)),
    excludes_sha256: crypto.createHash('sha256').update(excludes.join('\n')).digest('hex'),
    ...imageOptions(options),
  };
}

/** Just the image options of `from` (a build's options, or a recorded config), in their recorded order. */
export function imageOptions(from: Partial<Record<ImageOption, unknown>>): ImageOptions {
  return Object.fromEntries(ltspImageAffectsImage.map((key) => [key, from[key] ?? null])) as ImageOptions;
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
