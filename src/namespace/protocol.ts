// What the module sends to its namespace worker, and the events the worker reports back, one JSON line each.
import type { ScannedTrees } from '../fingerprint/sources.js';
import type { EarlierFormat } from '../fingerprint/line-builder.js';
import type { CleanupStep } from '../cleanup/index.js';
import type { SquashCommand } from '../squashfs/command.js';
import type { ReadinessFacts } from '../readiness/facts.js';
import type { ResolvedSource } from '../source/resolve.js';
import type { FstabFiles } from '../source/split-disk.js';

export const WORKER_FLAG = '--ltsp-namespace-worker';

export interface WorkerJob {
  /** A fresh 0700 directory made by the parent; everything the worker mounts lives under it. */
  workDir: string;
  sources: ResolvedSource[];
  overlay: boolean;
  cleanup: boolean;
  /** The exclude patterns mksquashfs gets, so cleanup skips work on what never reaches the image. */
  excludes?: string[];
  /** After cleanup, give rewritten files their originals' times (new ones this time, in seconds). */
  stableTime?: number | null;
  /** What only the overlay hides in the source (see FingerprintResult.overlayOnly): mksquashfs must not read the source itself. */
  overlayOnly?: string | null;
  /** The mksquashfs run, or null when the job only reads the tree (kernel extraction). */
  mksquashfs: SquashCommand | null;
  /** Look for the kernel and initrd and copy them to workDir/kernel; null skips it. */
  kernel: { userPattern: string | null } | null;
  /** Read the VM's etc/fstab from the mounted first source (see source/split-disk.ts) and report it. */
  fstab?: boolean;
  /** Read what the readiness check judges (src/readiness/) from the built tree and the kernel pair found. */
  readiness?: boolean;
  /** Someone watches live: run mksquashfs on a pseudo-terminal and report its progress. */
  progress?: boolean;
  /** Fingerprint the mounted sources (compare: checksum with disk sources), writing workDir/manifest.gz. */
  scan?: { excludes: string[]; cleanup: boolean; cacheFile: string | null; xattrs: boolean; overlay: boolean; earlier: EarlierFormat | null } | null;
}

export type WorkerPhase = 'mount' | 'scan' | 'cleanup' | 'mksquashfs' | 'kernel' | 'readiness';

export interface StagedKernel {
  /** Where they were found, relative to the image root. */
  vmlinuz: string;
  initrd: string;
  /** Copies outside the namespace's mounts, for the parent to install. */
  vmlinuzPath: string;
  initrdPath: string;
}

export type WorkerEvent =
  | { type: 'start'; phase: WorkerPhase }
  | { type: 'phase'; phase: WorkerPhase; seconds: number }
  | { type: 'progress'; done: number; total: number }
  | { type: 'cleanup'; steps: CleanupStep[] }
  | { type: 'kernel'; kernel: StagedKernel | null }
  | { type: 'readiness'; facts: ReadinessFacts }
  | ({ type: 'fstab' } & FstabFiles)
  /** The mksquashfs argv the worker runs, the direct read's root, excludes and pseudo file included. */
  | { type: 'squash'; argv: string[] }
  /** What mksquashfs left out of the image and said so (its stderr), for the result's warnings. */
  | { type: 'warning'; message: string }
  | ({ type: 'scan' } & ScannedTrees)
  | { type: 'error'; phase: WorkerPhase; message: string; complete: boolean }
  | { type: 'done' };
