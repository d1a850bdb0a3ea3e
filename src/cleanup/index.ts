// One entry point, so that every image is squashed only after all of the server's secrets and accounts have been stripped from its overlay.
import fs from 'node:fs/promises';
import path from 'node:path';
import { restoreResolvConf } from './dns.js';
import { removePrinters } from './printers.js';
import { replaceSnakeoil } from './snakeoil.js';
import { replaceSshHostKeys } from './ssh-host-keys.js';
import { truncateFiles } from './truncate.js';
import { messageOf, type CleanupContext, type CleanupStep, type CleanupStepName, type StepOutcome } from './types.js';
import { removeUsers } from './users.js';

export type { CleanupContext, CleanupStep, CleanupStepName } from './types.js';
export { CLEANUP_TRUNCATED, isContentDiscarded, isContentDiscardedIn } from './truncate.js';

const STEPS: ReadonlyArray<readonly [CleanupStepName, (root: string, context: CleanupContext) => Promise<StepOutcome>]> = [
  ['printers', removePrinters],
  ['users', removeUsers],
  ['dns', restoreResolvConf],
  ['ssh_host_keys', replaceSshHostKeys],
  ['snakeoil', replaceSnakeoil],
  ['truncate', truncateFiles],
];

/**
 * Runs every cleanup step on the tree at `root` (an absolute path to the overlay's merged
 * directory) and reports what each did. Nothing is followed out of the tree: symlinked or
 * non-regular files are skipped and named in their step's detail. A step that fails stops
 * the cleanup with an error naming it, since squashing a half-cleaned tree could leak secrets.
 */
export async function runCleanup(root: string, context: CleanupContext = { excluded: () => false }): Promise<CleanupStep[]> {
  if (!path.isAbsolute(root)) throw new Error(`cleanup root must be an absolute path: ${root}`);
  // The root itself comes from the caller and may be reached through a symlink; only what is under it is untrusted.
  const stat = await fs.stat(root);
  if (!stat.isDirectory()) throw new Error(`cleanup root is not a directory: ${root}`);

  const results: CleanupStep[] = [];
  for (const [step, run] of STEPS) {
    let outcome: StepOutcome;
    try {
      outcome = await run(root, context);
    } catch (error) {
      throw new Error(`cleanup step ${step} failed on ${root}: ${messageOf(error)}`, { cause: error });
    }
    results.push({ step, changed: outcome.changed, detail: outcome.detail });
  }
  return results;
}
