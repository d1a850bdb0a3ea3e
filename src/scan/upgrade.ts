// An image recorded before xattrs or hard links were compared: the one scan that tells that upgrade from a change, and the mark that ends it.
import type { EarlierFormat } from '../fingerprint/line-builder.js';
import { writeState, type ImageState } from '../store/state.js';
import type { Scan } from './request.js';

/** The format the state's fingerprint was taken in, when it lacks a fact compared since; null for a current record. */
export function earlierFormatOf(state: ImageState | null | undefined): EarlierFormat | null {
  if (!state) return null;
  if (!state.xattrsCompared) return 'xattrs';
  return state.linksCompared ? null : 'links';
}

/** What config_changes names for the rebuild an upgrade costs when the newly compared fact is there. */
export const NEWLY_COMPARED: Record<EarlierFormat, { setting: string; why: string }> = {
  xattrs: { setting: 'extended_attributes', why: 'extended attributes are now compared, and the image was recorded by a version that did not compare them' },
  links: { setting: 'hard_links', why: 'hard links (which names share an inode) are now compared, and the image was recorded by a version that did not compare them' },
};

/** The sources are the recorded ones (an unchanged fingerprint), or differ from them only by the newly compared fact. */
export function upgradeOnly(state: ImageState, scan: Pick<Scan, 'earlier'>): EarlierFormat | null {
  const format = earlierFormatOf(state);
  return format && scan.earlier === state.fingerprint ? format : null;
}

/** A record in an earlier format that this scan matched had nothing newly compared: marked once, so a later change reads as one. */
export function markCurrent(image: string, state: ImageState): void {
  writeState(image, { ...state, xattrsCompared: true, linksCompared: true });
}
