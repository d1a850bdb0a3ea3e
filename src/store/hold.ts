// "Held after a revert", one rule for ltsp_image (which leaves the image as it is) and ltsp_image_info (which reports it).
import { isNewer, type ImageFiles } from './generations.js';
import type { ImageState } from './state.js';

/** After a revert the newer build sits in the backup: its record, which the scan may find again. */
export function revertedFrom(files: ImageFiles): ImageState | null {
  const { active, backup } = files;
  return active && backup?.state && isNewer(backup, active) ? backup.state : null;
}

/**
 * The build a revert moved away from, when the source and configuration are still exactly its own (a fingerprint is
 * only comparable under the configuration it was taken with) and not also the active image's; else null.
 */
export function heldAfterRevert(files: ImageFiles, fingerprint: string, configHash: string): ImageState | null {
  const reverted = revertedFrom(files);
  const active = files.active?.state;
  if (!reverted || !active || (active.fingerprint === fingerprint && active.configHash === configHash)) return null;
  return reverted.fingerprint === fingerprint && reverted.configHash === configHash ? reverted : null;
}
