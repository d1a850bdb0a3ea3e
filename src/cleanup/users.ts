// The server's user accounts and password hashes must not reach netboot clients; clients get users from the server at login.
import fs from 'node:fs/promises';
import path from 'node:path';
import { AccountFormatError, scrubAccounts, type ScrubbedAccounts } from './accounts.js';
import { DEFAULT_ID_RANGES, parseLoginDefs, type IdRanges } from './login-defs.js';
import { assertOnlyName } from './other-names.js';
import { resolveInTree } from './resolve.js';
import { entryProblem, inspect, listDirectory, readRegular, removeEntry, replaceRegular, skipReason, type FileOwnership, type TreeEntry } from './tree-fs.js';
import { joinBytes, showRel } from './tree-path.js';
import { countedList, joinDetail, type CleanupContext, type StepOutcome } from './types.js';

const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow'] as const;
type AccountFile = (typeof ACCOUNT_FILES)[number];

// shadow-utils' backups (passwd- ...): the reference removes every etc/NAME? of these, since they hold the same secrets.
const BACKUP_OF = /^(passwd|shadow|group|gshadow|subuid|subgid).$/;

// What the reference's pwmerge leaves: passwd and group made by root with umask 022, shadow files 0640 owned like the old shadow.
const PUBLIC: FileOwnership = { uid: 0, gid: 0, mode: 0o644 };

const FIX = 'make it a regular file in the source, or set cleanup: false (the image then ships the source accounts as they are)';

async function readRanges(root: string): Promise<{ ranges: IdRanges; note: string }> {
  const rel = 'etc/login.defs';
  const entry = await inspect(root, rel);
  if (entry.kind === 'missing') return { ranges: { ...DEFAULT_ID_RANGES }, note: '' };
  if (entry.kind !== 'regular') return { ranges: { ...DEFAULT_ID_RANGES }, note: `${skipReason(rel, entry)}, used the default ID ranges` };
  const { data } = await readRegular(root, rel);
  return { ranges: parseLoginDefs(data.toString('utf8')), note: '' };
}

/** "etc/passwd is a symlink", "etc/passwd: etc is a symlink". */
function what(rel: string, entry: TreeEntry): string {
  return entry.kind === 'unsafe' ? `${rel}: ${entryProblem(entry)}` : entryProblem(entry, rel);
}

type AccountEntries = Record<AccountFile, TreeEntry>;

/** The four account files as lstat sees them, looked at once: every later decision of the step uses this. */
async function inspectAccounts(root: string): Promise<AccountEntries> {
  const entries = await Promise.all(ACCOUNT_FILES.map((name) => inspect(root, `etc/${name}`)));
  return Object.fromEntries(ACCOUNT_FILES.map((name, i) => [name, entries[i]])) as AccountEntries;
}

/** A secret never ships silently: an account file cleanup cannot rewrite in place stops the build. */
async function readAccountFile(root: string, name: 'passwd' | 'group', entry: TreeEntry): Promise<string | null> {
  const rel = `etc/${name}`;
  if (entry.kind === 'missing') return null;
  if (entry.kind !== 'regular') throw new Error(`cannot remove the users: ${what(rel, entry)}; ${FIX}`);
  return (await readRegular(root, rel)).data.toString('utf8');
}

/** shadow and gshadow are never read, only replaced, so a symlink there is replaced too; a directory is not. */
function shadowOwner(entries: AccountEntries, groups: string): FileOwnership {
  for (const name of ACCOUNT_FILES) {
    const entry = entries[name];
    if (entry.kind === 'directory' || entry.kind === 'other' || entry.kind === 'unsafe') {
      throw new Error(`cannot remove the password hashes: ${what(`etc/${name}`, entry)}; ${FIX}`);
    }
  }
  const shadow = entries.shadow;
  if (shadow.kind === 'regular') return { uid: shadow.stat.uid, gid: shadow.stat.gid, mode: 0o640 };
  const gid = /^shadow:[^:]*:(\d+):/m.exec(groups)?.[1];
  return { uid: 0, gid: gid === undefined ? 0 : Number(gid), mode: 0o640 };
}

/**
 * The hashes must not survive under another name: a hard link to shadow or gshadow fails the build, and the
 * in-tree target of a symlinked one gets the new content too (the account files themselves are written anyway).
 * Returns the targets written.
 */
async function scrubOtherNames(root: string, entries: AccountEntries, scrubbed: ScrubbedAccounts, context: CleanupContext): Promise<string[]> {
  const written: string[] = [];
  const accountPaths = ACCOUNT_FILES.map((name) => `etc/${name}`);
  const gone = (other: string): boolean => accountPaths.includes(other) || (other.startsWith('etc/') && BACKUP_OF.test(other.slice(4))) || context.excluded(other);
  for (const name of ['shadow', 'gshadow'] as const) {
    const rel = `etc/${name}`;
    const entry = entries[name];
    const target = entry.kind === 'symlink' ? await resolveInTree(root, rel) : null;
    const shown = target === null ? rel : showRel(target.rel);
    const stat = entry.kind === 'regular' ? entry.stat : target?.entry.kind === 'regular' ? target.entry.stat : null;
    if (stat === null || (target !== null && accountPaths.includes(shown))) continue;
    try {
      await assertOnlyName(root, target?.rel ?? rel, stat, gone, 'its password hashes');
    } catch (error) {
      throw new Error(`cannot remove the password hashes: ${(error as Error).message}`);
    }
    if (target === null) continue;
    await replaceRegular(root, target.rel, scrubbed[name], { uid: stat.uid, gid: stat.gid, mode: stat.mode });
    written.push(shown);
  }
  return written;
}

function same(entry: TreeEntry, text: string, old: string | null, owner: FileOwnership): boolean {
  if (entry.kind !== 'regular' || old !== text) return false;
  const { stat } = entry;
  return stat.uid === owner.uid && stat.gid === owner.gid && (stat.mode & 0o7777) === owner.mode;
}

async function rewriteAccounts(root: string, context: CleanupContext): Promise<StepOutcome> {
  const entries = await inspectAccounts(root);
  const passwd = await readAccountFile(root, 'passwd', entries.passwd);
  const group = await readAccountFile(root, 'group', entries.group);
  if (ACCOUNT_FILES.every((name) => entries[name].kind === 'missing')) return { changed: false, detail: 'no account files' };

  const { ranges, note } = await readRanges(root);
  let scrubbed: ScrubbedAccounts;
  try {
    scrubbed = scrubAccounts({ passwd, group }, ranges);
  } catch (error) {
    if (!(error instanceof AccountFormatError)) throw error;
    throw new Error(`cannot remove the users: ${error.message}; fix the source's account files or set cleanup: false`);
  }
  const owner = shadowOwner(entries, scrubbed.group);
  const old: Record<AccountFile, string | null> = { passwd, group, shadow: null, gshadow: null };
  for (const name of ['shadow', 'gshadow'] as const) {
    if (entries[name].kind === 'regular') old[name] = (await readRegular(root, `etc/${name}`)).data.toString('utf8');
  }

  const scrubbedTargets = await scrubOtherNames(root, entries, scrubbed, context);
  let changed = scrubbedTargets.length > 0;
  const replacedLinks: string[] = [];
  for (const name of ACCOUNT_FILES) {
    const entry = entries[name];
    const ownership = name === 'shadow' || name === 'gshadow' ? owner : PUBLIC;
    if (same(entry, scrubbed[name], old[name], ownership)) continue;
    if (entry.kind === 'symlink') replacedLinks.push(`etc/${name}`);
    await replaceRegular(root, `etc/${name}`, scrubbed[name], ownership);
    changed = true;
  }

  const { removedUsers, removedGroups, resetPasswordFields } = scrubbed;
  const summary =
    removedUsers.length === 0 && removedGroups.length === 0
      ? 'no normal users or groups'
      : `removed ${countedList(removedUsers.length, 'user', 'users', removedUsers)} and ${countedList(
          removedGroups.length,
          'group',
          'groups',
          removedGroups,
        )}`;
  return {
    changed,
    detail: joinDetail([
      summary,
      'locked every shadow entry',
      resetPasswordFields.length === 0 ? '' : `reset the password field of ${countedList(resetPasswordFields.length, 'entry', 'entries', resetPasswordFields)}`,
      replacedLinks.length === 0 ? '' : `replaced the symlinks ${replacedLinks.join(', ')} with regular files`,
      scrubbedTargets.length === 0 ? '' : `wrote the same to their targets ${scrubbedTargets.join(', ')}`,
      note,
    ]),
  };
}

async function removeBackups(root: string): Promise<StepOutcome> {
  const listing = await listDirectory(root, 'etc');
  if (!Array.isArray(listing)) return { changed: false, detail: '' };
  const removed: string[] = [];
  // latin1 keeps one char per byte: a name that is not UTF-8 cannot match the ASCII pattern by accident.
  for (const dirent of listing.filter((entry) => BACKUP_OF.test(entry.name.toString('latin1'))).sort((a, b) => Buffer.compare(a.name, b.name))) {
    const rel = joinBytes([Buffer.from('etc'), dirent.name]);
    if (dirent.isDirectory()) throw new Error(`cannot remove the account backup ${showRel(rel)}: it is a directory; remove it from the source or set cleanup: false`);
    if (await removeEntry(root, rel)) removed.push(dirent.name.toString('latin1'));
  }
  const summary = removed.length === 0 ? '' : `deleted ${countedList(removed.length, 'backup', 'backups', removed)}`;
  return { changed: removed.length > 0, detail: summary };
}

/**
 * The reference merges the accounts in the image's `tmp/`, made with `mkdir -p` (0755) when the source has none, so
 * its images of a tree with accounts always have a `tmp`; so do these (its contents are excluded either way).
 * Only lstat: `etc` must be a directory itself, so nothing here looks through a symlink.
 */
async function makeTmp(root: string): Promise<StepOutcome> {
  const tmp = path.join(root, 'tmp');
  const stat = (rel: string) => fs.lstat(path.join(root, rel)).catch(() => null);
  const accounts = (await stat('etc'))?.isDirectory() === true && (await stat('etc/passwd')) !== null;
  if (!accounts || (await stat('tmp')) !== null) return { changed: false, detail: '' };
  await fs.mkdir(tmp, { mode: 0o755 });
  await fs.chmod(tmp, 0o755);
  return { changed: true, detail: 'made tmp, which the source lacks' };
}

export async function removeUsers(root: string, context: CleanupContext = { excluded: () => false }): Promise<StepOutcome> {
  const accounts = await rewriteAccounts(root, context);
  const backups = await removeBackups(root);
  const tmp = await makeTmp(root);
  return { changed: accounts.changed || backups.changed || tmp.changed, detail: joinDetail([accounts.detail, backups.detail, tmp.detail]) };
}
