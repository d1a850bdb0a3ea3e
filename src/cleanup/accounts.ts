// Which accounts stay in the image, decided the way LTSP's `pwmerge --ltsp` does, free of I/O so that it can be checked on plain strings.
import { inRange, type IdRanges } from './login-defs.js';

/** Contents of etc/passwd and etc/group; null for a file the tree doesn't have. shadow and gshadow are never read. */
export interface AccountTexts {
  passwd: string | null;
  group: string | null;
}

/** The four new account files, written whole: nothing of the old shadow or gshadow survives. */
export interface ScrubbedAccounts {
  passwd: string;
  shadow: string;
  group: string;
  gshadow: string;
  removedUsers: string[];
  removedGroups: string[];
  /** Accounts and groups whose passwd/group password field held something other than a placeholder. */
  resetPasswordFields: string[];
}

/** A line the reference tool would also refuse; the message names file and line, never the content (it may be a secret). */
export class AccountFormatError extends Error {}

interface User {
  fields: string[];
  uid: number;
  gid: number;
}

interface Group {
  fields: string[];
  gid: number;
  members: string[];
}

// Shadow-utils' placeholders for "see shadow", "no password" and "locked"; anything else in these fields is a hash.
const PLACEHOLDERS = new Set(['x', '*', '!', '!!', '']);

function parseEntries(text: string | null, file: string, width: number, idField: number): Map<string, { fields: string[]; id: number }> {
  const entries = new Map<string, { fields: string[]; id: number }>();
  if (text === null) return entries;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const fields = line.split(':');
    const where = `etc/${file} line ${index + 1}`;
    if (fields.length !== width) throw new AccountFormatError(`${where} has ${fields.length} fields, not ${width}`);
    const id = fields[idField] as string;
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) throw new AccountFormatError(`${where} has a non-numeric ID`);
    // Like a dict: a repeated name replaces the earlier entry but keeps its place.
    entries.set(fields[0] as string, { fields, id: Number(id) });
  });
  return entries;
}

function placeholder(fields: string[], name: string, reset: string[]): void {
  if (PLACEHOLDERS.has(fields[1] as string)) return;
  fields[1] = 'x';
  reset.push(name);
}

/**
 * Removes the normal users (UID in range); keeps a normal-range group only when a remaining account
 * is a member of it or has it as its primary group; drops unknown members and members listed in their
 * own primary group. Every shadow line becomes `name:!:::::::` and every gshadow line `name:*::members`.
 */
export function scrubAccounts(texts: AccountTexts, ranges: IdRanges): ScrubbedAccounts {
  const users = new Map<string, User>();
  for (const [name, { fields, id }] of parseEntries(texts.passwd, 'passwd', 7, 2)) {
    if (!/^\d+$/.test(fields[3] as string)) throw new AccountFormatError(`etc/passwd entry ${JSON.stringify(name)} has a non-numeric GID`);
    users.set(name, { fields, uid: id, gid: Number(fields[3]) });
  }
  const groups = new Map<string, Group>();
  const nameOfGid = new Map<number, string>();
  for (const [name, { fields, id }] of parseEntries(texts.group, 'group', 4, 2)) {
    const members = [...new Set((fields[3] as string).split(',').filter((member) => member !== ''))];
    groups.set(name, { fields, gid: id, members });
    nameOfGid.set(id, name);
  }

  const removedUsers = [...users].filter(([, user]) => inRange(user.uid, ranges.uidMin, ranges.uidMax)).map(([name]) => name);
  for (const name of removedUsers) users.delete(name);
  const primaryGroups = new Set([...users.values()].map((user) => nameOfGid.get(user.gid)));

  const removedGroups: string[] = [];
  for (const [name, group] of groups) {
    group.members = group.members.filter((member) => {
      const user = users.get(member);
      return user !== undefined && user.gid !== group.gid;
    });
    if (group.members.length === 0 && inRange(group.gid, ranges.gidMin, ranges.gidMax) && !primaryGroups.has(name)) {
      removedGroups.push(name);
    }
  }
  for (const name of removedGroups) groups.delete(name);

  const resetPasswordFields: string[] = [];
  const passwd = [...users].map(([name, user]) => {
    placeholder(user.fields, name, resetPasswordFields);
    return user.fields.join(':');
  });
  const group = [...groups].map(([name, entry]) => {
    placeholder(entry.fields, name, resetPasswordFields);
    return [name, entry.fields[1], entry.gid, entry.members.join(',')].join(':');
  });
  const lines = (list: string[]): string => list.map((line) => `${line}\n`).join('');
  return {
    passwd: lines(passwd),
    shadow: lines([...users.keys()].map((name) => `${name}:!:::::::`)),
    group: lines(group),
    gshadow: lines([...groups].map(([name, entry]) => `${name}:*::${entry.members.join(',')}`)),
    removedUsers,
    removedGroups,
    resetPasswordFields,
  };
}
