// Rebuild decisions rest on the fingerprint, so the walk is checked against what mksquashfs really puts in an image, and every kind of change against the fingerprint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import sinon from 'sinon';
import { sha256TreeFile } from '../../src/fingerprint/checksum-cache.js';
import type { Entry } from '../../src/fingerprint/entry.js';
import { compileExcludes } from '../../src/match/exclude-matcher.js';
import { computeFingerprint } from '../../src/fingerprint/fingerprint.js';
import type { FingerprintOptions } from '../../src/fingerprint/walk-options.js';
import { diffManifests, readLines } from '../../src/fingerprint/manifest.js';
import { unescapePath } from '../../src/fingerprint/manifest-line.js';
import { walkTree } from '../../src/fingerprint/walk.js';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { requireRoot } from '../helpers/root.js';
import { removeAllScratch, scratchDir } from '../helpers/tmp.js';
import { seedLongPaths } from '../helpers/long-paths.js';
import { COVERAGE_FILES, squashfsListing, writeFiles } from '../match/exclude-matcher.test.js';

const matcher = compileExcludes(BUILTIN_EXCLUDES);
// Scans that must see nothing racy pretend to start a minute from now.
const later = (): number => Date.now() + 60_000;
const discarded = (dir: string, name: string): boolean => (dir === 'etc' && name === 'fstab') || dir === 'var/log';
const bytes = (root: string, rel: string): Buffer => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(rel, 'latin1')]);

async function oddTree(root: string): Promise<void> {
  await writeFiles(root, [...COVERAGE_FILES, '-dash', 'with space', 'back\\slash', 'tab\tname', 'new\nline', 'etc/fstab']);
  fs.mkdirSync(`${root}/empty`);
  fs.mkdirSync(bytes(root, 'caf\xe9'));
  fs.writeFileSync(bytes(root, 'caf\xe9/\xff\xfe'), 'latin1 bytes');
  fs.symlinkSync('etc/passwd', `${root}/rel-link`);
  fs.symlinkSync('/etc/passwd', `${root}/abs-link`);
  fs.symlinkSync('nowhere', `${root}/dangling`);
  fs.symlinkSync('etc', `${root}/dir-link`);
  fs.linkSync(`${root}/etc/passwd`, `${root}/hard`);
  fs.chmodSync(`${root}/swapfile2`, 0o4755);
  fs.mkdirSync(`${root}/shared`, { mode: 0o777 });
  fs.chmodSync(`${root}/shared`, 0o3777);
  fs.chownSync(`${root}/opt/other`, 1234, 5678);
  await execa('mkfifo', [`${root}/fifo`]);
  await execa('mknod', [`${root}/null-dev`, 'c', '1', '3']);
  // Node unlinks a socket when its server closes; a second link keeps the file.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(`${root}/sock.tmp`, resolve));
  fs.linkSync(`${root}/sock.tmp`, `${root}/sock`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function walk(root: string, lister: 'find' | 'node', extra: { prefix?: string; hide?: string[] } = {}): Promise<Entry[]> {
  const all: Entry[] = [];
  for await (const batch of walkTree(root, { matcher, lister, ...extra })) all.push(...batch);
  return all;
}

describe('image source fingerprint', () => {
  let work: string;
  let tree: string;
  const fp = (extra: Partial<FingerprintOptions> = {}) =>
    computeFingerprint({ sources: [{ root: tree }], matcher, mode: 'mtime', manifestFile: `${work}/manifest.gz`, contentDiscarded: discarded, clock: later, xattrs: { record: null, write: false }, overlay: true, ...extra });

  before(async function () {
    requireRoot(this);
    work = await scratchDir('fp-');
    tree = `${work}/tree`;
    await oddTree(tree);
  });
  after(removeAllScratch);

  for (const lister of ['find', 'node'] as const) {
    it(`walks (${lister}) exactly the entries mksquashfs puts in the image`, async () => {
      const listing = await squashfsListing(tree, BUILTIN_EXCLUDES, work);
      const entries = await walk(tree, lister);
      const paths = entries.map((e) => e.path);
      assert.deepEqual([...paths].sort(), [...listing.keys()].sort());
      assert.deepEqual(paths, [...paths].sort((a, b) => (a.replace(/\//g, '\0') < b.replace(/\//g, '\0') ? -1 : 1)), 'component order');
      for (const e of entries) {
        const seen = listing.get(e.path)!;
        assert.deepEqual([e.type, e.mode, e.uid, e.gid], [seen.type, seen.mode, seen.uid, seen.gid], e.path);
        if (e.type === 'f') assert.equal(String(e.size), seen.size, e.path);
        if (e.type === 'l') assert.equal(e.target, seen.target, e.path);
        if (e.type === 'c') assert.equal(`${e.rdev >> 8},${e.rdev & 0xff}`, seen.size, e.path);
      }
      assert.ok(paths.includes('caf\xe9/\xff\xfe') && paths.includes('new\nline') && paths.includes('sock'));
    });
  }

  for (const lister of ['find', 'node'] as const) {
    it(`walks (${lister}) the machine's own / (chrootless), here kept to /etc`, async () => {
      const entries: Entry[] = [];
      for await (const batch of walkTree('/', { matcher: compileExcludes(['!(etc)']), lister })) entries.push(...batch);
      assert.equal(entries[0]?.path, '', 'the root comes first');
      assert.equal(entries[0]?.type, 'd');
      const paths = entries.map((e) => e.path);
      assert.ok(paths.includes('etc') && paths.includes('etc/passwd'), 'etc and its files');
      assert.ok(paths.every((p) => p === '' || p === 'etc' || p.startsWith('etc/')), 'nothing but /etc');
    });
  }

  it('walks, hashes and reads the xattrs of entries past PATH_MAX from the source root, leaving out what mksquashfs cannot stat', async () => {
    const deep = `${work}/deep`;
    fs.mkdirSync(deep);
    const [short, longest, over, far] = await seedLongPaths(deep, [4000, 4093, 4094, 5000]);
    assert.ok(deep.length + 1 + longest!.length > 4095, 'the whole path of the longest entry is past PATH_MAX');
    const prints = new Set<string>();
    for (const lister of ['find', 'node'] as const) {
      const paths = (await walk(deep, lister)).map((e) => e.path);
      assert.ok(paths.includes(short!) && paths.includes(longest!), `${lister}: an entry mksquashfs stores is missing`);
      assert.ok(!paths.includes(over!) && !paths.includes(far!), `${lister}: an entry mksquashfs cannot stat is listed`);
      assert.ok(paths.every((p) => p.length <= 4093), lister);
      const options = { sources: [{ root: deep }], manifestFile: null, lister, mode: 'checksum' as const };
      prints.add((await fp(options)).fingerprint);
    }
    assert.equal(prints.size, 1, 'both listers agree');
  });

  it('is stable, and moves with every change that reaches the image', async () => {
    let last = (await fp()).fingerprint;
    assert.equal((await fp({ lister: 'node' })).fingerprint, last, 'both listers agree');
    const expect = async (changes: boolean, what: string, change: () => void | Promise<void>): Promise<void> => {
      await change();
      const now = (await fp()).fingerprint;
      if (changes) assert.notEqual(now, last, what);
      else assert.equal(now, last, what);
      last = now;
    };
    await expect(true, 'content', () => fs.writeFileSync(`${tree}/etc/passwd`, 'etc/passwX\n'));
    await expect(true, 'mode', () => fs.chmodSync(`${tree}/etc/passwd`, 0o600));
    await expect(true, 'owner', () => fs.chownSync(`${tree}/etc/passwd`, 1, 1));
    await expect(true, 'mtime', () => fs.utimesSync(`${tree}/etc/passwd`, 1e9, 1e9));
    await expect(true, 'symlink target', () => (fs.unlinkSync(`${tree}/rel-link`), fs.symlinkSync('etc/group', `${tree}/rel-link`)));
    await expect(true, 'added file', () => fs.writeFileSync(`${tree}/added`, 'x'));
    await expect(true, 'removed file', () => fs.unlinkSync(`${tree}/added`));
    // New entries under excluded paths touch their directories' mtimes, which the fingerprint leaves out.
    for (const excluded of ['home/a/b/c', 'home/new', 'tmp/file', 'tmp/.X0-lock', 'var/log/x.gz', 'var/lib/apt/lists/x', 'var/lib/apt/lists/new']) {
      await expect(false, excluded, () => fs.writeFileSync(`${tree}/${excluded}`, 'changed, but never in the image'));
    }
    await expect(false, 'discarded content', () => fs.writeFileSync(`${tree}/var/log/syslog`, 'a much longer log line\n'));
    await expect(true, 'discarded file removed', () => fs.unlinkSync(`${tree}/var/log/syslog`));
  });

  it('marks racily clean files so that they never compare equal', async () => {
    fs.writeFileSync(`${tree}/fresh`, 'just written');
    // Both scans start "now", however long each takes on a busy machine; a later clock stands for a scan two seconds on.
    const now = Date.now();
    const first = await fp({ clock: () => now });
    const lines: string[] = [];
    for await (const chunk of readLines(`${work}/manifest.gz`)) lines.push(...chunk);
    const second = await fp({ clock: () => now });
    assert.ok(first.racy >= 1);
    assert.notEqual(first.fingerprint, second.fingerprint);
    assert.match(lines.find((l) => l.startsWith('fresh\t'))!, /\t!racy:[0-9a-f]{16}$/);
    const settled = await fp({ clock: () => now + 2100 });
    assert.equal(settled.racy, 0, 'a scan two seconds after the last change sees nothing racy');
    assert.equal((await fp({ clock: () => now + 2100 })).fingerprint, settled.fingerprint);
  });

  it('does not take a hand-set future mtime (touch -d 2106) for a write in progress', async () => {
    fs.writeFileSync(`${tree}/future`, 'dated ahead');
    fs.utimesSync(`${tree}/future`, 2 ** 32 + 100, 2 ** 32 + 100);
    const now = Date.now() + 2100;
    const first = await fp({ clock: () => now });
    assert.equal(first.racy, 0);
    assert.equal((await fp({ clock: () => now })).fingerprint, first.fingerprint);
    assert.equal(first.newest, 2 ** 32 + 100);
  });

  it('does not take a ctime ahead of the clock (stamped while it ran ahead) for a write in progress', async () => {
    fs.writeFileSync(`${tree}/stamped-ahead`, 'changed while the clock ran an hour ahead');
    fs.utimesSync(`${tree}/stamped-ahead`, 1.5e9, 1.5e9);
    // The scan's clock an hour behind the file's ctime: as after NTP stepped it back.
    const behind = (): number => Date.now() - 3600_000;
    const first = await fp({ clock: behind });
    assert.equal(first.racy, 0);
    assert.equal(first.unsettled, 0);
    assert.equal((await fp({ clock: behind })).fingerprint, first.fingerprint, 'no marker: the next run is up to date');
  });

  for (const lister of ['find', 'node'] as const) {
    it(`counts link groups (${lister}): re-pointing a name at another inode with the same stat changes the fingerprint, a tree without hard links keeps it`, async () => {
      const root = fs.mkdtempSync(`${work}/links-`);
      const [a, b] = [`${root}/tool`, `${root}/tool2`];
      for (const file of [a, b]) {
        fs.writeFileSync(file, 'same bytes');
        fs.utimesSync(file, 1.5e9, 1.5e9);
      }
      const scan = () => fp({ sources: [{ root }], lister, earlier: 'links' });
      const apart = await scan();
      assert.equal(apart.earlier, apart.fingerprint, 'no hard link: the fingerprint earlier versions took');
      await execa('ln', ['-f', a, b]);
      const linked = await scan();
      assert.notEqual(linked.fingerprint, apart.fingerprint);
      assert.equal(linked.earlier, apart.fingerprint, 'without the group, the line of each name is the same');
      fs.rmSync(b);
      fs.linkSync(a, `${root}/tool3`);
      assert.notEqual((await scan()).fingerprint, linked.fingerprint, 'another name in the group');
    });
  }

  it('reads content once in checksum mode, and ignores a touch', async () => {
    const hashFile = sinon.spy(sha256TreeFile);
    const opts = { mode: 'checksum' as const, cacheFile: `${work}/checksums.gz`, hashFile };
    const first = await fp(opts);
    assert.ok(first.hashed > 20 && hashFile.callCount === first.hashed);
    const second = await fp(opts);
    assert.equal(second.fingerprint, first.fingerprint);
    assert.equal(hashFile.callCount, first.hashed, 'nothing read again');
    const mtimeBefore = (await fp()).fingerprint;
    fs.utimesSync(`${tree}/etc/ssh/sshd_config`, 1.5e9, 1.5e9);
    assert.notEqual((await fp()).fingerprint, mtimeBefore, 'mtime mode sees the touch');
    assert.equal((await fp(opts)).fingerprint, first.fingerprint, 'checksum mode does not');
    assert.equal(hashFile.callCount, first.hashed + 1, 'only the touched file was read again');
    fs.writeFileSync(`${tree}/etc/ssh/sshd_config`, 'other content');
    assert.notEqual((await fp(opts)).fingerprint, first.fingerprint);
  });

  it('leaves an unchanged checksum cache unwritten, and rewrites a changed one as a fresh run would write it (#17)', async () => {
    const cacheFile = `${work}/lazy-checksums.gz`;
    const opts = { mode: 'checksum' as const, cacheFile };
    const text = async () => {
      const lines: string[] = [];
      for await (const chunk of readLines(cacheFile)) lines.push(...chunk);
      return lines.join('\n');
    };
    const lastFile = async () => unescapePath((await text()).trim().split('\n').pop()!.split('\t')[0]!);
    await fp(opts);
    const before = fs.statSync(cacheFile).ino;
    await fp(opts);
    assert.equal(fs.statSync(cacheFile).ino, before, 'an unchanged cache is not replaced');
    const changes: Array<[string, () => void | Promise<void>]> = [
      ['a file rewritten', () => fs.writeFileSync(`${tree}/etc/ssh/sshd_config`, 'lazy cache')],
      ['a file added', () => fs.writeFileSync(`${tree}/etc/lazy-added`, 'new')],
      ['a file removed', () => fs.unlinkSync(`${tree}/etc/lazy-added`)],
      ['the last file removed', async () => fs.unlinkSync(Buffer.from(`${tree}/${await lastFile()}`, 'latin1'))],
    ];
    for (const [label, change] of changes) {
      // Held open, the old cache's inode cannot be freed and handed to the new one, which would look like no rewrite.
      const old = fs.openSync(cacheFile, 'r');
      try {
        await change();
        await fp(opts);
        assert.notEqual(fs.statSync(cacheFile).ino, fs.fstatSync(old).ino, `${label}: the cache is rewritten`);
      } finally {
        fs.closeSync(old);
      }
      const incremental = await text();
      fs.rmSync(cacheFile);
      await fp(opts);
      assert.equal(incremental, await text(), `${label}: the rewritten cache is the one a fresh run writes`);
    }
  });

  it('diffs two manifests', async () => {
    await fp({ manifestFile: `${work}/old.gz` });
    fs.writeFileSync(`${tree}/b1`, '1');
    fs.writeFileSync(`${tree}/b2`, '2');
    fs.unlinkSync(`${tree}/swapfile2`);
    fs.chmodSync(`${tree}/etc/mysql/my.cnf`, 0o640);
    await fp({ manifestFile: `${work}/new.gz` });
    assert.deepEqual(await diffManifests(`${work}/old.gz`, `${work}/new.gz`), {
      added: { count: 2, paths: ['b1', 'b2'] },
      removed: { count: 1, paths: ['swapfile2'] },
      modified: { count: 1, paths: ['etc/mysql/my.cnf'] },
    });
    assert.deepEqual((await diffManifests(`${work}/old.gz`, `${work}/new.gz`, 1)).added, { count: 2, paths: ['b1'] });
  });

  it('covers a hidden directory with a stacked source, and leaves mounts inside a source empty', async () => {
    const boot = `${work}/boot`;
    await writeFiles(boot, ['vmlinuz', 'grub/grub.cfg']);
    await writeFiles(tree, ['boot/old-kernel', 'data/x']);
    const sources = [{ root: tree, hide: ['boot'] }, { root: boot, prefix: 'boot' }];
    const stacked = () => fp({ sources });
    const base = (await stacked()).fingerprint;
    fs.writeFileSync(`${tree}/boot/old-kernel`, 'hidden under the stacked source');
    assert.equal((await stacked()).fingerprint, base);
    fs.writeFileSync(`${boot}/vmlinuz`, 'new kernel');
    assert.notEqual((await stacked()).fingerprint, base);
    // A disk stacked there, counted by its identity and not walked: the directory underneath is not what the image shows (#26).
    const alone = () => fp({ sources: [{ root: tree, hide: ['boot'] }] });
    const covered = (await alone()).fingerprint;
    fs.chmodSync(`${tree}/boot`, 0o1777);
    fs.chownSync(`${tree}/boot`, 1, 1);
    assert.equal((await alone()).fingerprint, covered, 'the mode and owner of a directory a stacked source covers');
    await execa('mount', ['--bind', boot, `${tree}/data`]);
    const entries = await walk(tree, 'find').finally(() => execa('umount', [`${tree}/data`]));
    const data = entries.find((e) => e.path === 'data')!;
    assert.ok(data.mountPoint && !entries.some((e) => e.path.startsWith('data/')));
  });
});
