// The state file beside each image (NAME.img.json): what was built, from what, and how to recognise the image later.
import fs from 'node:fs';
import type { KernelRecord } from '../kernel/record.js';
import type { PackageChanges } from '../packages/changes.js';
import type { Growth } from '../packages/growth.js';
import type { ResolvedSource } from '../source/resolve.js';
import { readRegularFile } from '../fs/read-file.js';
import { checkState } from './state-check.js';
import { writeFileAtomic } from '../fs/temp-file.js';
import { errorCode, hasCode } from '../core/errors.js';

export const STATE_FORMAT = 'ltsp-image-state/1';

export interface ImageIdentity {
  size: number;
  mtimeNs: string;
  ino: number;
  dev: number;
  sha256?: string;
}

export interface ImageState {
  format: typeof STATE_FORMAT;
  toolVersion: string;
  imageName: string;
  generation: number;
  builtAt: string;
  buildSeconds: number;
  sources: string[];
  /** Fingerprint of the source taken before the build started. */
  fingerprint: string;
  compare: 'mtime' | 'checksum';
  configHash: string;
  config: Record<string, unknown>;
  /** The resolved sources and effective exclude list, so ltsp_image_info can re-check drift on its own. */
  resolvedSources: ResolvedSource[];
  excludes: string[];
  /** Disk and filesystem files compared by identity in mtime mode, one line each. */
  sourceIdentities: string[];
  image: ImageIdentity;
  /** The kernel and initrd inside the image, or null when it has none. */
  kernel: KernelRecord | null;
  /** File name, in the images dir, of the sorted manifest the fingerprint was computed from. */
  manifest: string | null;
  /** True when the fingerprint covers xattrs; absent from records of versions that did not compare them (see decide.ts). */
  xattrsCompared?: boolean;
  /** True when the fingerprint covers link groups (see link-groups.ts); absent from records of versions that did not compare them. */
  linksCompared?: boolean;
  /** Set on the backup when a revert made an older generation active. */
  revertedAt?: string;
  /** When this image stopped being NAME.img (a publish or revert): pruning waits `prune_grace` hours from it. */
  displacedAt?: string;
  /** The pruning in force when this image was built, so ltsp_image_info judges as the next build will. */
  prune?: PruneRecord;
  /** Why this generation was built (a decide() reason), and what drifted or changed, for ltsp_image_info. */
  reason?: string;
  drift?: DriftCounts | null;
  configChanges?: string[] | null;
  /** The last builds of this image, newest first (this one included), outliving pruned generations. */
  history?: BuildHistoryEntry[];
  /** The boot check this image passed before it was published; absent or null when it was published unchecked. */
  bootCheck?: BootCheckRecord | null;
  /** The readiness check of this image before it was published (src/readiness/); absent or null when it was off. */
  readiness?: { checked: string[]; problems: string[]; warnings: string[] } | null;
  /** The image's installed packages, one "name arch version KiB" line each (see packages/status.ts); null: no dpkg status. */
  packageList?: string | null;
  /** Against the image this one replaced, when both lists are known; the summary line says it, or why not. */
  packages?: PackageChanges | null;
  packagesSummary?: string;
  /** Bytes of regular files under each top-level entry, for the next build's growth. */
  topSizes?: Record<string, number>;
  growth?: Growth | null;
}

export interface PruneRecord {
  keep: number;
  keepDays: number | null;
  graceHours: number;
}

export interface BootCheckRecord {
  at: string;
  seconds: number;
  accel: string;
}

export interface DriftCounts {
  added: number;
  removed: number;
  modified: number;
}

export interface BuildHistoryEntry {
  generation: number;
  builtAt: string;
  buildSeconds: number;
  reason: string | null;
  drift: DriftCounts | null;
  configChanges: string[] | null;
  size?: number | null;
  sizeDelta?: number | null;
  packages?: string | null;
  /** The boot check this build passed before it was published; null: published unchecked (absent in older states). */
  bootCheck?: BootCheckRecord | null;
}

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
