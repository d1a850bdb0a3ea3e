// Decides whether to rebuild, only reinstall the kernel, or do nothing, and says why: the heart of the module's idempotence.
import type { LtspImageResult } from '../generated/ltsp_image.js';
import type { Generation, ImageFiles } from '../store/generations.js';
import { heldAfterRevert } from '../store/hold.js';
import { sameIdentity, identityOf, type ImageState } from '../store/state.js';
import { rejects, type Verdict } from '../store/verdict.js';
import { NEWLY_COMPARED, upgradeOnly } from '../scan/upgrade.js';
import { changedSettings, type BuildConfig } from './config.js';

/** The schema's reasons (the result's `reason`). */
export type Reason = NonNullable<LtspImageResult['reason']>;

export interface Decision {
  reason: Reason;
  build: boolean;
  /** Reinstall the TFTP kernel and initrd from the published image, without a rebuild. */
  kernelOnly: boolean;
  why: string;
  configChanges?: string[];
  /** With freeze, or a state the boot check rejected: what the run would have done otherwise. */
  pending?: Reason;
  /** The state the new source is compared with, when there is one. */
  previous: ImageState | null;
}

export interface DecisionInput {
  force: boolean;
  freeze: boolean;
  files: ImageFiles;
  config: BuildConfig;
  configHash: string;
  fingerprint: string;
  /** The fingerprint as the version that recorded the active build took it, when that is an earlier format (see scan/upgrade.ts). */
  earlierFingerprint: string | null;
  /** sha256 of the published image when verify is on, else null. */
  imageSha256: string | null;
  /** Whether the TFTP kernel and initrd match the ones recorded for the image; null when kernel is off. */
  kernelInPlace: boolean | null;
  /** Whether this run boots a new image before publishing it. */
  bootCheck: boolean;
  /** The source state and configuration the last failed boot check rejected, if any (store/verdict.ts). */
  rejected: Verdict | null;
}

function recorded(active: Generation): ImageState | null {
  const state = active.state;
  if (!state) return null;
  const id = identityOf(active.file);
  return id && sameIdentity(state.image, id) ? state : null;
}

/**
 * An exam-week freeze leaves an existing image alone, whatever would have happened, and says what that was.
 * A state a boot check rejected is built again only to be checked again (or when forced), never published unchecked.
 */
export function decide(input: DecisionInput): Decision {
  const decision = decideUnfrozen(input);
  if (decision.build && decision.reason !== 'forced' && !input.bootCheck && rejects(input.rejected, input.fingerprint, input.configHash)) {
    const { at, ended } = input.rejected;
    const why = `this source and configuration failed the boot check at ${at} (${ended}), so they are not published without one; run with boot_check: true to check them again, or force: true to publish them unchecked`;
    return { ...decision, build: false, kernelOnly: false, reason: 'rejected', pending: decision.reason, why };
  }
  if (!input.freeze || !input.files.active) return decision;
  const pending = decision.reason;
  const why =
    decision.build || decision.kernelOnly
      ? `freeze is set, so the image is left as it is; without it: ${pending.replace('_', ' ')} (${decision.why})`
      : `freeze is set, so the image is left as it is; nothing would have changed anyway (${pending.replace('_', ' ')})`;
  return { ...decision, build: false, kernelOnly: false, reason: 'frozen', pending, why };
}

function decideUnfrozen(input: DecisionInput): Decision {
  const { files } = input;
  const base = { build: true, kernelOnly: false };
  if (!files.active) return { ...base, reason: input.force ? 'forced' : 'missing', why: 'there is no image yet', previous: null };
  const state = recorded(files.active);
  if (input.force) return { ...base, reason: 'forced', why: 'force is set', previous: state };
  if (!state) {
    const why = files.active.state ? 'the image is not the one this module recorded (size, time or inode differ)' : 'no build record for the image';
    return { ...base, reason: 'image_replaced', why, previous: null };
  }
  if (input.imageSha256 !== null && state.image.sha256 && input.imageSha256 !== state.image.sha256) {
    return { ...base, reason: 'image_replaced', why: 'the image content does not match its recorded sha256', previous: state };
  }
  // A source that still matches the build a revert moved away from stays held.
  const held = heldAfterRevert(files, input.fingerprint, input.configHash);
  if (held) {
    const why = `the source is the one of generation ${held.generation}, which a revert moved away from; change the source or use force: true to rebuild it`;
    return { build: false, kernelOnly: false, reason: 'held', why, previous: state };
  }
  if (state.configHash !== input.configHash) {
    const configChanges = changedSettings(state.config, input.config);
    return { ...base, reason: 'config_changed', why: `changed: ${configChanges.join(', ') || 'module format'}`, configChanges, previous: state };
  }
  if (state.fingerprint !== input.fingerprint) {
    // Recorded before a fact was compared, and only it differs: the upgrade's one rebuild, said as such (no drift to report).
    const upgrade = upgradeOnly(state, { earlier: input.earlierFingerprint });
    if (upgrade) {
      const { setting, why } = NEWLY_COMPARED[upgrade];
      return { ...base, reason: 'config_changed', why, configChanges: [setting], previous: state };
    }
    return { ...base, reason: 'source_changed', why: 'the source changed', previous: state };
  }
  if (input.kernelInPlace === false) {
    return { build: false, kernelOnly: true, reason: 'kernel', why: 'the TFTP kernel or initrd is missing or differs from the image', previous: state };
  }
  return { build: false, kernelOnly: false, reason: 'up_to_date', why: 'nothing that ends up in the image changed', previous: state };
}
