// Ansible's diff mode for a rebuild: the drifted paths as before/after text, capped, each modified path with what changed in it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Drift } from '../fingerprint/sources.js';
import { storedNames } from '../fingerprint/xattr-digest.js';
import { readXattrsSync } from '../fingerprint/xattrs.js';
import { hostTree, type ResolvedSource } from '../source/kinds.js';

/** Small enough to hash for the diff; bigger files show size and time only. */
const HASH_LIMIT = 1 << 20;

type Facts = Map<string, string>;

function lines(paths: string[], total: number, mark: string, facts: Facts = new Map()): string {
  const shown = paths.map((p) => `${mark} ${p}${facts.has(p) ? `: ${facts.get(p)}` : ''}`);
  if (total > paths.length) shown.push(`${mark} ... and ${total - paths.length} more`);
  return shown.length ? `${shown.join('\n')}\n` : '';
}

const short = (data: Buffer) => `sha256:${crypto.createHash('sha256').update(data).digest('hex').slice(0, 16)}`;

/** unsquashfs's own minute-resolution time, so both sides of the diff read the same way. */
function minute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function modeString(mode: number): string {
  const type = { 0o040000: 'd', 0o120000: 'l', 0o020000: 'c', 0o060000: 'b', 0o010000: 'p', 0o140000: 's' }[mode & 0o170000] ?? '-';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (mode & (1 << (8 - i)) ? c : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return type + bits.join('');
}

/** The paths as the published image holds them: type and mode, owner, size, time, and content hash of small files. */
async function inImage(image: string, paths: string[]): Promise<Facts> {
  const facts: Facts = new Map();
  if (!paths.length || !fs.existsSync(image)) return facts;
  const listing = await execa('unsquashfs', ['-lln', '-UTC', image, ...paths], { reject: false, stdin: 'ignore' });
  for (const line of String(listing.stdout).split('\n')) {
    const m = /^(\S+) (\d+)\/(\d+) +(\S+) (\d{4}-\d\d-\d\d \d\d:\d\d) squashfs-root\/(.*?)(?: -> (.*))?$/.exec(line);
    if (!m || !paths.includes(m[6]!)) continue;
    const [, mode, uid, gid, size, time, file, target] = m;
    let text = `${mode} ${uid}/${gid} ${size} ${time}${target ? ` -> ${target}` : ''}`;
    if (mode!.startsWith('-') && Number(size) <= HASH_LIMIT) {
      // The bytes as they are: execa would strip a final newline, and the two sides' hashes would differ for one file.
      const content = await execa('unsquashfs', ['-cat', image, file!], { reject: false, stdin: 'ignore', encoding: 'buffer', stripFinalNewline: false });
      if (content.exitCode === 0) text += ` ${short(Buffer.from(content.stdout))}`;
    }
    facts.set(file!, text);
  }
  return facts;
}

/** The directory source a path of the image comes from: the last stacked source whose subdir holds it. */
function sourceFile(sources: ResolvedSource[], file: string): string | null {
  const source = [...sources].reverse().find((s) => !s.subdir || file === s.subdir || file.startsWith(`${s.subdir}/`));
  const tree = source ? hostTree(source) : null;
  if (!source || tree === null) return null;
  return path.join(tree, source.subdir ? file.slice(source.subdir.length + 1) : file);
}

/** The same facts for the source as it is now, with the names of its extended attributes (the image's cannot be listed). */
function inSource(sources: ResolvedSource[], paths: string[]): Facts {
  const facts: Facts = new Map();
  const files = paths.map((file) => sourceFile(sources, file));
  const found = files.filter((f): f is string => f !== null);
  const attrs = new Map((readXattrsSync(found) ?? []).map((answer, i) => [found[i]!, answer]));
  for (const [i, file] of paths.entries()) {
    const full = files[i];
    const answer = full ? attrs.get(full) : undefined;
    const stat = full ? fs.lstatSync(full, { throwIfNoEntry: false }) : undefined;
    if (!full || !stat) continue;
    const size = stat.isCharacterDevice() || stat.isBlockDevice() ? `${(stat.rdev >>> 8) & 0xfff},${(stat.rdev & 0xff) | ((stat.rdev >>> 12) & 0xfff00)}` : String(stat.size);
    let text = `${modeString(stat.mode)} ${stat.uid}/${stat.gid} ${size} ${minute(stat.mtimeMs)}`;
    if (stat.isSymbolicLink()) text += ` -> ${fs.readlinkSync(full)}`;
    if (stat.isFile() && stat.size <= HASH_LIMIT) text += ` ${short(fs.readFileSync(full))}`;
    const names = answer && Array.isArray(answer) ? storedNames(answer) : [];
    if (names.length) text += ` xattrs:${names.join(',')}`;
    facts.set(file, text);
  }
  return facts;
}

/** A modified path whose two lines read the same changed in what they cannot show; the after side says so. */
function unseen(before: Facts, after: Facts): Facts {
  const note = ' (changed beyond this line: extended attributes, a time within the minute, or content over 1 MiB)';
  return new Map([...after].map(([file, text]) => [file, before.get(file) === text ? text + note : text]));
}

export async function driftDiff(image: string, drift: Drift, sources: ResolvedSource[]): Promise<Record<string, string>> {
  const modified = drift.modified_paths;
  const before = await inImage(image, modified);
  return {
    before_header: `${image} (in the image, from the last build)`,
    after_header: `${image} (source now)`,
    before: lines(drift.removed_paths, drift.removed, 'removed:') + lines(modified, drift.modified, 'modified:', before),
    after: lines(drift.added_paths, drift.added, 'added:') + lines(modified, drift.modified, 'modified:', unseen(before, inSource(sources, modified))),
  };
}
