// Logs, mount tables and debconf's saved passwords describe the server, not the clients; emptying (not deleting) keeps the files packages expect.
import type { Dirent } from 'node:fs';
import { inspect, listDirectory, skipReason, truncateRegular } from './tree-fs.js';
import { countedList, joinDetail, type StepOutcome } from './types.js';

const LOG_DIR = 'var/log';
// Truncated only when non-empty, as the reference tool does with `test -s`.
const SINGLE_FILES = ['etc/fstab', 'var/cache/debconf/passwords.dat'] as const;

/**
 * What this step empties, glob-style and relative to the tree root: regular files at the top
 * level of var/log (not in its subdirectories), etc/fstab and debconf's password cache.
 * A fingerprint of the image source must ignore their contents or it would never match the image.
 */
export const CLEANUP_TRUNCATED: readonly string[] = Object.freeze([`${LOG_DIR}/*`, ...SINGLE_FILES]);

// Walkers spell relative paths differently ("./etc/fstab", "/etc/fstab"); all mean the same tree entry.
function normalize(relPath: string): string {
  let rel = relPath;
  while (rel.startsWith('./')) rel = rel.slice(2);
  return rel.replace(/^\/+/, '');
}

/**
 * True when this step discards the content of the regular file at `relPath` (relative to the
 * tree root): `var/log/NAME` with no further slash, `etc/fstab`, `var/cache/debconf/passwords.dat`.
 * Only the path is judged; the step itself leaves symlinks and other non-regular files alone.
 */
export function isContentDiscarded(relPath: string): boolean {
  const rel = normalize(relPath);
  if ((SINGLE_FILES as readonly string[]).includes(rel)) return true;
  if (!rel.startsWith(`${LOG_DIR}/`)) return false;
  const name = rel.slice(LOG_DIR.length + 1);
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}

/** The same for a walker's entry, asked for every file of a fingerprint: most directories are ruled out by their first byte, with no path built. */
export function isContentDiscardedIn(dir: string, name: string): boolean {
  const first = dir === '' ? name.charCodeAt(0) : dir.charCodeAt(0);
  if (first !== 0x65 && first !== 0x76 && first !== 0x2e && first !== 0x2f) return false;
  return isContentDiscarded(dir === '' ? name : `${dir}/${name}`);
}

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
