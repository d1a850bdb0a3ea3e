// The state file beside each image (NAME.img.json): what was built, from what, and how to recognise the image later.
import fs from 'node:fs';
import type { ImageIdentity, ImageState } from '../generated/formats/image_state.js';
import { readRegularFile } from '../fs/read-file.js';
import { checkState } from './state-check.js';
import { writeFileAtomic } from '../fs/temp-file.js';
import { errorCode, hasCode } from '../core/errors.js';

export type { BootCheckRecord, BuildHistoryEntry, DriftCounts, ImageIdentity, ImageState, PruneRecord } from '../generated/formats/image_state.js';

/** The format every state file this version writes carries (schemas/formats/image_state.schema.json). */
export const STATE_FORMAT: ImageState['format'] = 'ltsp-image-state/1';

export type StateRead = { state: ImageState } | { missing: true } | { invalid: string };

export function statePath(image: string): string {
  return `${image}.json`;
}

/** A corrupt, foreign or future-format state file is reported, never thrown: the caller rebuilds and warns. */
export function readState(image: string): StateRead {
  const file = statePath(image);
  let text: string;
  try {
    text = readRegularFile(file);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return { missing: true };
    return { invalid: `cannot read ${file}: ${errorCode(error)}` };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const format = (parsed as { format?: unknown })?.format;
    if (typeof format === 'string' && format.startsWith(STATE_FORMAT.replace(/\d+$/, '')) && format !== STATE_FORMAT) {
      return { invalid: `${file} has format ${format}, which this version does not know` };
    }
    const wrong = checkState(parsed);
    return wrong === null ? { state: parsed as ImageState } : { invalid: `${file} is not a valid ltsp_image state file (${wrong})` };
  } catch {
    return { invalid: `${file} is corrupt (not JSON)` };
  }
}

/** Written to a fresh temp name and renamed, so a crash never leaves half a state file. Mode 0644: it holds no secrets. */
export function writeState(image: string, state: ImageState): void {
  writeFileAtomic(statePath(image), `${JSON.stringify(state, null, 1)}\n`, 0o644);
}

export function identityOf(file: string): ImageIdentity | null {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!stat) return null;
  return { size: Number(stat.size), mtimeNs: stat.mtimeNs.toString(), ino: Number(stat.ino), dev: Number(stat.dev) };
}

export function sameIdentity(a: ImageIdentity, b: ImageIdentity): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.dev === b.dev;
}
