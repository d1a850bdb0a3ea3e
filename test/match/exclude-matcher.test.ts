// The exclude matcher must drop exactly what mksquashfs -wildcards drops, so it is checked against glibc's answers and the real mksquashfs (helpers exported for fingerprint.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { compileExcludes, EXCLUDED, type ExcludeMatcher, type MatchState } from '../../src/match/exclude-matcher.js';
import { parseExcludeLine } from '../../src/match/exclude-lines.js';
import { fnmatch } from '../../src/match/fnmatch.js';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { removeAllScratch, scratchDir } from '../helpers/tmp.js';

/** One path per built-in pattern it must hit, plus neighbours it must miss (dotfiles, depths, near names). */
export const COVERAGE_FILES = [
  'cdrom/.hidden', 'cdrom/disk', 'dev/null', 'dev/pts/0', 'etc/epoptes/server.key', 'etc/epoptes/server.crt',
  'etc/.java/prefs', 'etc/.javax', 'etc/.pwd.lock', 'etc/passwd', 'etc/mysql/debian.cnf', 'etc/mysql/my.cnf',
  'etc/NetworkManager/system-connections/wifi', 'etc/NetworkManager/NetworkManager.conf', 'etc/ssh/ssh_host_rsa_key',
  'etc/ssh/ssh_host_rsa_key.pub', 'etc/ssh/sshd_config', 'etc/udev/rules.d/70-persistent-net.rules',
  'etc/udev/rules.d/7-persistent-x.rules', 'etc/udev/rules.d/99-local.rules', 'home/a/b/c', 'home/.skel', 'lost+found/x',
  'media/usb/f', 'mnt/x', 'opt/ltsp/f', 'opt/ltsp-extra', 'opt/other', 'proc/1/status', 'root/.bashrc', 'root/notes',
  'run/lock/f', 'srv/www', 'swapfile', 'swapfile2', 'sys/kernel/f', 'tmp/.X11-unix/X0', 'tmp/file', 'var/backups/x',
  'var/cache/apt/archives/a.deb', 'var/cache/apt/archives/lock', 'var/cache/apt/archives/partial/x',
  'var/cache/apt-xapian-index/x', 'var/cache/lightdm/dmrc/x', 'var/cache/squid-deb-proxy/x', 'var/crash/x',
  'var/lib/apt/lists/x', 'var/lib/apt/lists/partial/y', 'var/lib/apt/extended_states', 'var/lib/lightdm/.x',
  'var/lib/lightdm/y', 'var/lib/mysql/x', 'var/lib/sudo/x', 'var/lib/systemd/linger/x', 'var/log/x.1', 'var/log/x.10',
  'var/log/x.gz', 'var/log/.hidden.gz', 'var/log/x.old', 'var/log/apt/x', 'var/log/syslog', 'var/mail/x',
  'var/spool/cron/crontabs/root', 'var/spool/cron/x', 'var/spool/cups/x', 'var/spool/squid/x', 'var/spool/squid3/x',
  'var/swap', 'var/tmp/.x', 'var/tmp/y', '.dotfile',
];

export async function writeFiles(root: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    await fs.promises.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.promises.writeFile(path.join(root, file), `${file}\n`);
  }
}

export interface Listed {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: string;
  target?: string;
}

const ENTRY_LINE = /^([-dlcbps])([-rwxsStT]{9}) (\d+)\/(\d+) +(\d+|\d+, +\d+) \d{4}-\d\d-\d\d \d\d:\d\d squashfs-root(?:\/|$)/;

function modeBits(letters: string): number {
  let bits = 0;
  for (let i = 0; i < 9; i++) if (!'-ST'.includes(letters[i]!)) bits |= 1 << (8 - i);
  if ('sS'.includes(letters[2]!)) bits |= 0o4000;
  if ('sS'.includes(letters[5]!)) bits |= 0o2000;
  if ('tT'.includes(letters[8]!)) bits |= 0o1000;
  return bits;
}

/** What mksquashfs TREE img -noappend -wildcards -ef <lines> puts in the image, per unsquashfs -lln (paths as latin1 bytes, '' for the root). */
export async function squashfsListing(tree: string, lines: readonly string[], work: string): Promise<Map<string, Listed>> {
  const excludes = path.join(work, 'excludes');
  const image = path.join(work, 'image.squashfs');
  await fs.promises.writeFile(excludes, `${lines.join('\n')}\n`);
  await execa('mksquashfs', [tree, image, '-noappend', '-wildcards', '-ef', excludes, '-quiet', '-no-progress']);
  const { stdout } = await execa('unsquashfs', ['-lln', image], { encoding: 'buffer' });
  const records: string[] = [];
  // A name holding a newline continues on the next output line.
  for (const line of Buffer.from(stdout).toString('latin1').split('\n')) {
    if (ENTRY_LINE.test(line)) records.push(line);
    else if (records.length > 0 && line !== '') records[records.length - 1] += `\n${line}`;
  }
  const listing = new Map<string, Listed>();
  for (const record of records) {
    const match = ENTRY_LINE.exec(record)!;
    let name = record.slice(match[0].length);
    let target: string | undefined;
    if (match[1] === 'l') [name, target] = [name.slice(0, name.indexOf(' -> ')), name.slice(name.indexOf(' -> ') + 4)];
    listing.set(name, { type: match[1]! === '-' ? 'f' : match[1]!, mode: modeBits(match[2]!), uid: Number(match[3]), gid: Number(match[4]), size: match[5]!.replace(/ /g, ''), target });
  }
  return listing;
}

/** Paths (latin1) a plain recursive walk keeps when asking the matcher level by level. */
function keptPaths(root: string, matcher: ExcludeMatcher): Set<string> {
  const kept = new Set<string>(['']);
  const visit = (dir: string, rel: string, state: MatchState): void => {
    for (const entry of fs.readdirSync(Buffer.from(dir, 'latin1'), { withFileTypes: true, encoding: 'latin1' as BufferEncoding })) {
      const next = matcher.child(state, entry.name);
      if (next === EXCLUDED) continue;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      kept.add(childRel);
      if (entry.isDirectory()) visit(`${dir}/${entry.name}`, childRel, next);
    }
  };
  visit(Buffer.from(root).toString('latin1'), '', matcher.root);
  return kept;
}

describe('exclude matcher', () => {
  after(removeAllScratch);

  it('matches components as glibc fnmatch(FNM_PATHNAME|FNM_PERIOD|FNM_EXTMATCH) does', () => {
    // Expected values were taken from glibc 2.36 itself; the !(..) and [..] cases are its less obvious corners.
    const cases: Array<[string, string, boolean]> = [
      ['*', '.x', false], ['.*', '.x', true], ['[.]x', '.x', false], ['?x', '.x', false], ['!(x)', '.hidden', true],
      ['*(x)', '.hidden', false], ['?(.)h*', '.h', true], ['@(.*)', '.x', true], ['.!(java)', '.java', false],
      ['.!(java)', '.javax', true], ['.!(java)', '.j', true], ['??-persistent-*.rules', '70-persistent-net.rules', true],
      ['??-persistent-*.rules', '7-persistent-x.rules', false], ['*.[1-9]', 'x.10', false], ['*.[1-9]', 'x.1', true],
      ['[!a]', 'b', true], ['[^a]', 'a', false], ['[]a]', ']', true], ['[a-]', '-', true], ['[[:digit:]]x', '7x', true],
      ['[[:bogus:]]', 'b', false], ['[', '[', true], ['a[', 'a[', true], ['\\*', '*', true], ['\\*', 'a', false],
      ['+(ab)', 'abab', true], ['+(ab)', '', false], ['@(a|b)c', 'bc', true], ['*(a|b)', 'abba', true], ['x\xe9', 'x\xe9', true],
      ['[\xe0-\xff]', '\xe9', true], ['[[:alpha:]]', '\xe9', false], ['a', 'A', false],
    ];
    for (const [pattern, name, expected] of cases) assert.equal(fnmatch(pattern, name), expected, `${pattern} vs ${name}`);
  });

  it('reads exclude-file lines as mksquashfs 4.5 does', () => {
    assert.deepEqual(parseExcludeLine('  a//b/'), { components: ['a', 'b'], sticky: false });
    assert.deepEqual(parseExcludeLine('e '), { components: ['e '], sticky: false });
    assert.equal(parseExcludeLine('# comment'), null);
    assert.deepEqual(parseExcludeLine('\\#h'), { components: ['#h'], sticky: false });
    assert.deepEqual(parseExcludeLine('... x/y'), { components: ['x', 'y'], sticky: true });
    for (const bad of ['/etc', './etc', '../etc']) assert.throws(() => parseExcludeLine(bad), /rejects patterns starting/);
  });

  it('keeps exactly what mksquashfs keeps with the built-in list', async function () {
    this.timeout(60000);
    const work = await scratchDir('excl-');
    const tree = path.join(work, 'tree');
    await writeFiles(tree, COVERAGE_FILES);
    const listing = await squashfsListing(tree, BUILTIN_EXCLUDES, work);
    assert.deepEqual([...keptPaths(tree, compileExcludes(BUILTIN_EXCLUDES))].sort(), [...listing.keys()].sort());
    assert.ok(listing.has('etc/.java/prefs') && listing.has('home') && !listing.has('home/a') && listing.has('var/log/apt'));
  });

  it('agrees with mksquashfs on extended globs, sticky patterns and odd lines', async function () {
    this.timeout(60000);
    const work = await scratchDir('excl-');
    const tree = path.join(work, 'tree');
    await writeFiles(tree, ['x/keep', 'x/drop', 'x/.dot', 'y/1a', 'y/a1', 'z/e/1', 'q/r/e/2', 'a b/f', 'g /f', '#h/f', 'w/ab', 'w/abab', 'w/b']);
    const lines = ['x/!(keep)', 'y/[[:digit:]]*', '... e/1', 'a b', 'g ', '\\#h', 'w/+(ab)', '  # note'];
    const listing = await squashfsListing(tree, lines, work);
    assert.deepEqual([...keptPaths(tree, compileExcludes(lines))].sort(), [...listing.keys()].sort());
    assert.ok(!listing.has('x/.dot') && !listing.has('q/r/e') && listing.has('w/b'));
  });
});
