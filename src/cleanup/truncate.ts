// Logs, mount tables and debconf's saved passwords describe the server, not the clients; emptying (not deleting) keeps the files packages expect.
import { followedName, resolveInTree, skipOf } from './resolve.js';
import { listDirectory, truncateRegular } from './tree-fs.js';
import { joinBytes, showRel } from './tree-path.js';
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

// Only the top level: subdirectories of var/log are excluded from the image by mksquashfs, per the reference tool.
// var/log itself is followed when it is a symlink (the reference's `find var/log/` does so); its symlinks are not (`-type f`).
async function truncateLogs(root: string, tally: Tally): Promise<void> {
  const dir = await resolveInTree(root, LOG_DIR);
  if (dir.entry.kind !== 'directory') {
    const reason = skipOf(LOG_DIR, dir);
    if (reason !== '') tally.skipped.push(reason);
    return;
  }
  const listing = await listDirectory(root, dir.rel);
  if (!Array.isArray(listing)) throw new Error(`${showRel(dir.rel)} changed while being listed`);
  const entries = [...listing].sort((a, b) => Buffer.compare(a.name, b.name));
  for (const dirent of entries) {
    const rel = joinBytes([dir.rel, dirent.name]);
    if (dirent.isDirectory()) continue;
    if (!dirent.isFile()) {
      tally.skipped.push(`skipped ${showRel(rel)}: ${dirent.isSymbolicLink() ? 'symlink' : 'not a regular file'}`);
      continue;
    }
    if (await truncateRegular(root, rel)) tally.truncated.push(showRel(rel));
  }
}

async function truncateSingleFiles(root: string, tally: Tally): Promise<void> {
  for (const rel of SINGLE_FILES) {
    const target = await resolveInTree(root, rel);
    if (target.entry.kind !== 'regular') {
      const reason = skipOf(rel, target);
      if (reason !== '') tally.skipped.push(reason);
      continue;
    }
    if (await truncateRegular(root, target.rel)) tally.truncated.push(followedName(rel, target));
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
