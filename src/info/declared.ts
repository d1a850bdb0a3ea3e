// What an image was built from, written back the way ltsp_image takes it, so a rebuild from ltsp_image_info's report loses nothing.
import { kindOf } from '../source/kinds.js';
import type { ResolvedSource } from '../source/resolve.js';
import { imageOptions } from '../image/config.js';
import type { ImageState } from '../store/state.js';

/** One source as a stacked-source part: path then its options (partition=, fstype=, subdir=, mount options). */
export function sourceSpec(source: ResolvedSource): string {
  const options = [
    ...kindOf(source).specOptions(source),
    ...(source.subdir ? [`subdir=${source.subdir}`] : []),
    ...source.options,
  ];
  return [source.path, ...options].join(',');
}

/** The recorded settings that shape the image, under ltsp_image's option names. */
export function buildOptions(state: ImageState): Record<string, unknown> {
  return imageOptions(state.config);
}
