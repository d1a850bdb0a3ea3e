// Logs, mount tables and debconf's saved passwords describe the server, not the clients; emptying (not deleting) keeps the files packages expect.
import type { Dirent } from 'node:fs';
import { inspect, listDirectory, skipReason, truncateRegular } from './tree-fs.js';
import { countedList, joinDetail, type StepOutcome } from './types.js';

const LOG_DIR = 'var/log';
// Truncated only when non-empty, as the reference tool does with `test -s`.
const SINGLE_FILES = ['etc/fstab', 'var/cache/debconf/passwords.dat'] as const;

/** What this step empties: regular files at the top level of var/log (not in its subdirectories), etc/fstab and debconf's password cache. */
export const TRUNCATED_FILES: readonly string[] = [`${LOG_DIR}/*`, ...SINGLE_FILES];

interface Tally {
  truncated: string[];
  skipped: string[];
}

function describeNonRegular(rel: string, dirent: Dirent): string {
  return dirent.isSymbolicLink() ? `skipped ${rel}: symlink` : `skipped ${rel}: not a regular file`;
}

// Only the top level: subdirectories of var/log are excluded from the image by mksquashfs, per the reference tool.
async function truncateLogs(root: string, tally: Tally): Promise<void> {
  const listing = await listDirectory(root, LOG_DIR);
  if (!Array.isArray(listing)) {
    const reason = skipReason(LOG_DIR, listing);
    if (reason !== '') tally.skipped.push(reason);
    return;
  }
  const entries = [...listing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of entries) {
    const rel = `${LOG_DIR}/${dirent.name}`;
    if (dirent.isDirectory()) continue;
    if (!dirent.isFile()) {
      tally.skipped.push(describeNonRegular(rel, dirent));
      continue;
    }
    if (await truncateRegular(root, rel)) tally.truncated.push(rel);
  }
}

async function truncateSingleFiles(root: string, tally: Tally): Promise<void> {
  for (const rel of SINGLE_FILES) {
    const entry = await inspect(root, rel);
    if (entry.kind === 'missing') continue;
    if (entry.kind !== 'regular') {
      tally.skipped.push(skipReason(rel, entry));
      continue;
    }
    if (await truncateRegular(root, rel)) tally.truncated.push(rel);
  }
}

export async function truncateFiles(root: string): Promise<StepOutcome> {
  const tally: Tally = { truncated: [], skipped: [] };
  await truncateLogs(root, tally);
  await truncateSingleFiles(root, tally);
  const summary =
    tally.truncated.length === 0
      ? 'nothing to truncate'
      : `truncated ${countedList(tally.truncated.length, 'file', 'files', tally.truncated)}`;
  return { changed: tally.truncated.length > 0, detail: joinDetail([summary, ...tally.skipped]) };
}
