// One entry point, so that every image is squashed only after all of the server's secrets and accounts have been stripped from its overlay.
import fs from 'node:fs/promises';
import path from 'node:path';
import { restoreResolvConf } from './dns.js';
import { removePrinters } from './printers.js';
import { replaceSnakeoil } from './snakeoil.js';
import { replaceSshHostKeys } from './ssh-host-keys.js';
import { TRUNCATED_FILES, truncateFiles } from './truncate.js';
import type { CleanupContext, CleanupStep, StepOutcome } from './types.js';
import { removeUsers } from './users.js';
import { pathMatcher, pathMatcherIn } from './path-patterns.js';
import { errorMessage, ModuleError } from '../core/errors.js';

export type { CleanupContext, CleanupStep } from './types.js';

/** Everything the rest of the module needs to know about a cleanup step; adding a step is one entry here and its file. */
interface StepDescriptor {
  name: string;
  run: (root: string, context: CleanupContext) => Promise<StepOutcome>;
  /** Image paths whose content the step throws away ('*' is one path component): the fingerprint ignores their content. */
  empties?: readonly string[];
  /** What the step makes up anew on each run when it changes something, which makes that build irreproducible. */
  randomness?: string;
  /**
   * How often what the step puts into images changed since image format 1 (a step added later starts at 1).
   * The image format version sums them, so a changed step rebuilds existing images once.
   */
  revisions: number;
}

/** The steps, in the order the reference tool runs them. */
export const CLEANUP_STEPS = [
  { name: 'printers', run: removePrinters, revisions: 0 },
  // 1: no password hash of any account (pwmerge --ltsp semantics); images of format 1 shipped root's.
  { name: 'users', run: removeUsers, revisions: 1 },
  { name: 'dns', run: restoreResolvConf, revisions: 0 },
  { name: 'ssh_host_keys', run: replaceSshHostKeys, revisions: 0 },
  { name: 'snakeoil', run: replaceSnakeoil, randomness: 'a new snakeoil key and certificate', revisions: 0 },
  { name: 'truncate', run: truncateFiles, empties: TRUNCATED_FILES, revisions: 0 },
] as const satisfies readonly StepDescriptor[];

export type CleanupStepName = (typeof CLEANUP_STEPS)[number]['name'];

const descriptors: readonly StepDescriptor[] = CLEANUP_STEPS;

/** The image format version: 1, plus every change a cleanup step made to what it puts into images. */
export const CLEANUP_FORMAT_VERSION = 1 + descriptors.reduce((sum, step) => sum + step.revisions, 0);

/** What the steps empty, glob-style and relative to the tree root. A fingerprint of the source must ignore their contents or it would never match the image. */
export const CLEANUP_TRUNCATED: readonly string[] = Object.freeze(descriptors.flatMap((step) => step.empties ?? []));

/** True when cleanup discards the content of the regular file at `relPath` (relative to the tree root); only the path is judged. */
export const isContentDiscarded: (relPath: string) => boolean = pathMatcher(CLEANUP_TRUNCATED);

/** The same for a walker's entry (its directory and name), asked for every file of a fingerprint. */
export const isContentDiscardedIn: (dir: string, name: string) => boolean = pathMatcherIn(CLEANUP_TRUNCATED);

/** What made a build irreproducible, from the steps that changed something; undefined when none did. */
export function randomnessOf(steps: readonly CleanupStep[]): string | undefined {
  return descriptors.find((d) => d.randomness && steps.some((s) => s.step === d.name && s.changed))?.randomness;
}

/**
 * Runs every cleanup step on the tree at `root` (an absolute path to the overlay's merged
 * directory) and reports what each did. Nothing is followed out of the tree: the symlinks on a
 * path a step scrubs are followed inside it (resolve.ts), others and non-regular files are
 * skipped and named in their step's detail. A step that fails stops the cleanup with an error
 * naming it, since squashing a half-cleaned tree could leak secrets.
 */
export async function runCleanup(root: string, context: CleanupContext = { excluded: () => false }): Promise<CleanupStep[]> {
  if (!path.isAbsolute(root)) throw new Error(`cleanup root must be an absolute path: ${root}`);
  // The root itself comes from the caller and may be reached through a symlink; only what is under it is untrusted.
  const stat = await fs.stat(root);
  if (!stat.isDirectory()) throw new Error(`cleanup root is not a directory: ${root}`);

  const results: CleanupStep[] = [];
  for (const { name, run } of descriptors) {
    let outcome: StepOutcome;
    try {
      outcome = await run(root, context);
    } catch (error) {
      throw new ModuleError(`cleanup step ${name} failed on ${root}: ${errorMessage(error)}`, { cause: error });
    }
    results.push({ step: name as CleanupStepName, changed: outcome.changed, detail: outcome.detail });
  }
  return results;
}
