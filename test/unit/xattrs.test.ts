// Extended attributes reach the image, so the fingerprint reads them: the shared python3 reader, and the ctime gate that keeps a walk from reading every entry.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { Entry } from '../../src/fingerprint/entry.js';
import { compileExcludes } from '../../src/fingerprint/exclude-matcher.js';
import { computeFingerprint, type FingerprintOptions } from '../../src/fingerprint/fingerprint.js';
import { diffManifests } from '../../src/fingerprint/manifest.js';
import { XattrGate, type XattrRecord } from '../../src/fingerprint/xattr-gate.js';
import { overlayMarked, readXattrsSync, xattrDigest, XattrReader } from '../../src/fingerprint/xattrs.js';
import { storesXattrs } from '../../src/squashfs/params.js';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { requireRoot } from '../helpers/root.js';
import { settle } from '../helpers/settle.js';
import { removeAllScratch, scratchDir } from '../helpers/tmp.js';

const setxattr = (file: string, name: string, value: string) =>
  execa('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)', file, name, value]);
const removexattr = (file: string, name: string) => execa('python3', ['-c', 'import os, sys; os.removexattr(sys.argv[1], sys.argv[2])', file, name]);

/** An entry with the given inode and ctime (seconds); the rest does not matter to the gate. */
const entry = (ino: number, ctimeSec: number): Entry => new Entry(`f${ino}`, 'f', 0o644, 0, 0, 1, 0, 0, ctimeSec, 0, 7, ino, '');

describe('extended attributes', () => {
  let work: string;
  before(async function () {
    requireRoot(this);
    work = await scratchDir('xattrs-');
  });
  after(removeAllScratch);

  describe('the python3 reader', () => {
    it('reads every namespace, on files, symlinks and odd names, without following links; a missing path is an error', async () => {
      const dir = path.join(work, 'read');
      fs.mkdirSync(dir);
      const odd = Buffer.concat([Buffer.from(`${dir}/new\nline `), Buffer.from([0xff])]);
      fs.writeFileSync(odd, 'x');
      fs.writeFileSync(`${dir}/ping`, 'x');
      fs.symlinkSync('ping', `${dir}/link`);
      await execa('setcap', ['cap_net_raw+ep', `${dir}/ping`]);
      await execa('python3', ['-c', 'import os, sys; os.setxattr(bytes.fromhex(sys.argv[1]), "user.odd", b"\\x00\\n \\xff")', odd.toString('hex')]);
      await setxattr(`${dir}/link`, 'trusted.t', 'on the link');
      const answers = readXattrsSync([odd, `${dir}/ping`, `${dir}/link`, `${dir}/missing`]);
      assert.ok(answers);
      assert.deepEqual(answers[0], [{ name: 'user.odd', value: Buffer.from([0, 10, 32, 255]) }]);
      assert.deepEqual(Array.isArray(answers[1]) && answers[1].map((x) => x.name), ['security.capability']);
      assert.deepEqual(answers[2], [{ name: 'trusted.t', value: Buffer.from('on the link') }]);
      assert.deepEqual(answers[3], { error: 'ENOENT' });
      const reader = new XattrReader();
      try {
        assert.deepEqual(await reader.read([Buffer.from(`${dir}/link`)]), [answers[2]]);
        assert.deepEqual(await reader.read([odd, odd]), [answers[0], answers[0]]);
      } finally {
        reader.close();
      }
    });

    it('digests what mksquashfs stores, in name order, and nothing for none or for POSIX ACLs alone', () => {
      const a = { name: 'user.a', value: Buffer.from('1') };
      const b = { name: 'security.capability', value: Buffer.from('2') };
      const acl = { name: 'system.posix_acl_access', value: Buffer.from('3') };
      assert.equal(xattrDigest([]), undefined);
      assert.equal(xattrDigest([acl]), undefined);
      assert.equal(xattrDigest([a, b]), xattrDigest([b, acl, a]));
      assert.notEqual(xattrDigest([a, b]), xattrDigest([a]));
      assert.notEqual(xattrDigest([a]), xattrDigest([{ ...a, value: Buffer.from('2') }]));
      assert.notEqual(xattrDigest([{ name: 'user.a1', value: Buffer.from('') }]), xattrDigest([{ name: 'user.a', value: Buffer.from('1') }]));
    });

    it('marks the digest of attributes among which an overlay hides some (trusted.overlay.*), and only those', () => {
      const user = { name: 'user.a', value: Buffer.from('1') };
      const opaque = { name: 'trusted.overlay.opaque', value: Buffer.from('y') };
      assert.equal(overlayMarked(xattrDigest([user, opaque])), true);
      assert.equal(overlayMarked(xattrDigest([opaque])), true);
      assert.equal(overlayMarked(xattrDigest([user, { name: 'trusted.overlayx', value: Buffer.from('') }])), false);
      assert.equal(overlayMarked(xattrDigest([user])), false);
      assert.equal(overlayMarked(undefined), false);
    });

    it('reads none when mksquashfs stores none: the last of -xattrs and -no-xattrs wins, as in mksquashfs', () => {
      assert.equal(storesXattrs([]), true);
      assert.equal(storesXattrs(['-comp', 'zstd', '-no-xattrs']), false);
      assert.equal(storesXattrs(['-no-xattrs', '-xattrs']), true);
      assert.equal(storesXattrs(['-xattrs', '-no-xattrs']), false);
    });
  });

  describe('the ctime gate', () => {
    const record = (entries: Array<[number, number, string]>, walked: number): XattrRecord => ({
      key: 'k',
      walked,
      entries: new Map([[7, new Map(entries.map(([ino, ctime, digest]) => [ino, { ctime: `${ctime}.000000000`, digest }]))]]),
    });

    it('reads everything without a record; with one, recorded entries whose ctime moved and others changed since the last walk less the margin', () => {
      assert.equal(new XattrGate(null, 'k', 10_000_000).known(entry(1, 1)), 'read');
      // The last walk started at 10000 s: the gate opens an hour before.
      const gate = new XattrGate(record([[1, 100, 'd1'], [2, 200, 'd2'], [3, 9_500, '-']], 10_000_000), 'k', 11_000_000);
      assert.equal(gate.known(entry(1, 100)), 'd1', 'recorded, ctime unchanged: reused');
      assert.equal(gate.known(entry(2, 300)), 'read', 'recorded, ctime moved (whatever the clock said): read');
      assert.equal(gate.known(entry(2, 150)), 'read', 'even backwards');
      assert.equal(gate.known(entry(3, 9_500)), undefined, 'recorded without xattrs from the margin, unchanged: not read again');
      assert.equal(gate.known(entry(4, 100)), undefined, 'not recorded and before the gate: none');
      assert.equal(gate.known(entry(5, 10_000 - 3600)), 'read', 'at the gate: read');
      assert.equal(gate.known(entry(6, 10_000 - 3601)), undefined, 'just before it: not read');
    });

    it('reads everything when the clock is behind the last walk (stepped back)', () => {
      const old = record([[1, 100, 'd1']], 10_000_000);
      assert.equal(new XattrGate(old, 'k', 9_999_999).known(entry(1, 100)), 'read');
      assert.equal(new XattrGate(old, 'k', 10_000_000).known(entry(1, 100)), 'd1');
    });

    it('records entries with xattrs and those within the margin, and rewrites the record only when that moves the gate or its entries', () => {
      const file = path.join(work, 'gate-record');
      const fresh = new XattrGate(null, 'k', 20_000_000);
      fresh.note(entry(1, 100), 'd1');
      fresh.note(entry(2, 100), undefined);
      fresh.note(entry(3, 19_000), undefined);
      // Changed a second before the walk: its xattrs could change again within the same ctime tick, so it is read again.
      fresh.note(entry(9, 19_999), 'd9');
      fresh.commit(file);
      assert.deepEqual(fs.readFileSync(file, 'latin1').split('\n').slice(2), ['20000000', '7 1 100.000000000 d1', '7 3 19000.000000000 -', '']);
      const steady = new XattrGate(record([[1, 100, 'd1'], [3, 19_000, '-']], 20_000_000), 'k', 21_000_000);
      for (const e of [entry(1, 100), entry(3, 19_000), entry(4, 50)]) steady.note(e, steady.known(e) as string | undefined);
      fs.rmSync(file);
      steady.commit(file);
      assert.ok(!fs.existsSync(file), 'nothing new: not written');
      // Read because it changed after the last walk, but before this one's margin: a new start spares the next walk that read.
      const late = new XattrGate(record([[1, 100, 'd1']], 20_000_000), 'k', 30_000_000);
      assert.equal(late.known(entry(5, 21_000)), 'read');
      late.note(entry(1, 100), 'd1');
      late.commit(file);
      assert.equal(fs.readFileSync(file, 'latin1').split('\n')[2], '30000000');
    });
  });

  describe('in the fingerprint', () => {
    let tree: string;
    const matcher = compileExcludes(BUILTIN_EXCLUDES);
    const fp = (extra: Partial<FingerprintOptions> = {}) =>
      computeFingerprint({ sources: [{ root: tree }], matcher, mode: 'mtime', manifestFile: `${work}/fp.gz`, clock: () => Date.now() + 60_000, xattrs: null, ...extra });
    // Walks that start 5 s from now find every change settled, and a 10 s margin still reads what changed since the last one.
    const soon = (): number => Date.now() + 5000;
    const gated = (recordFile: string, write = true) => fp({ xattrs: { record: recordFile, write, marginMs: 10_000 }, clock: soon });
    const readAll = async () => (await fp({ xattrs: { record: null, write: false }, clock: soon })).fingerprint;

    beforeEach(async () => {
      tree = fs.mkdtempSync(path.join(work, 'tree-'));
      for (const dir of ['usr/bin', 'etc/a/b']) fs.mkdirSync(path.join(tree, dir), { recursive: true });
      for (const file of ['usr/bin/ping', 'usr/bin/ls', 'etc/a/b/conf', 'etc/hosts']) fs.writeFileSync(path.join(tree, file), file);
      await settle();
    });

    it('keeps the fingerprint of a tree without xattrs, and mixes an xattr into its entry line only', async () => {
      const without = await fp();
      const read = await fp({ xattrs: { record: null, write: false } });
      assert.equal(read.fingerprint, without.fingerprint);
      assert.equal(read.legacy, without.fingerprint);
      fs.copyFileSync(`${work}/fp.gz`, `${work}/before.gz`);
      await execa('setcap', ['cap_net_raw+ep', path.join(tree, 'usr/bin/ping')]);
      const withCap = await fp({ xattrs: { record: null, write: false } });
      assert.notEqual(withCap.fingerprint, without.fingerprint);
      assert.equal(withCap.legacy, without.fingerprint, 'the digest without xattrs is the old one');
      assert.equal(withCap.xattrEntries, 1);
      const diff = await diffManifests(`${work}/before.gz`, `${work}/fp.gz`);
      assert.deepEqual(diff.modified.paths, ['usr/bin/ping']);
      assert.equal(diff.added.count + diff.removed.count, 0);
    });

    it('reads a stacked source\'s files from that source, and no source root\'s xattrs (the overlay makes those directories)', async () => {
      const stacked = fs.mkdtempSync(path.join(work, 'stacked-'));
      fs.mkdirSync(path.join(tree, 'boot'));
      fs.writeFileSync(path.join(stacked, 'vmlinuz'), 'k');
      await setxattr(path.join(stacked, 'vmlinuz'), 'user.k', '1');
      await setxattr(stacked, 'user.root', '1');
      await setxattr(tree, 'user.root', '1');
      await setxattr(path.join(tree, 'boot'), 'user.covered', '1');
      await settle();
      const sources = [{ root: tree, hide: ['boot'] }, { root: stacked, prefix: 'boot' }];
      const both = await fp({ sources, xattrs: { record: null, write: false } });
      assert.equal(both.xattrEntries, 1, 'only boot/vmlinuz');
      await removexattr(path.join(stacked, 'vmlinuz'), 'user.k');
      await settle();
      assert.equal((await fp({ sources, xattrs: { record: null, write: false } })).legacy, both.legacy);
      assert.equal((await fp({ sources, xattrs: { record: null, write: false } })).xattrEntries, 0);
    });

    it('reads only entries changed since the last walk, and sees an xattr change, removal and a renamed parent', async () => {
      const file = path.join(work, 'record');
      await setxattr(path.join(tree, 'etc/a/b/conf'), 'user.x', '1');
      await settle();
      const first = await gated(file);
      assert.equal(first.xattrsRead, first.entries - 1, 'no record: every entry but the root');
      const second = await gated(file);
      assert.equal(second.fingerprint, first.fingerprint);
      assert.equal(second.xattrsRead, 0, 'nothing changed since the last walk');

      await setxattr(path.join(tree, 'usr/bin/ping'), 'user.y', '2');
      await settle();
      const third = await gated(file);
      assert.equal(third.xattrsRead, 1);
      assert.notEqual(third.fingerprint, first.fingerprint);
      assert.equal(third.fingerprint, await readAll());

      // A renamed directory moves no ctime below it: its files' xattrs come from the record, by inode.
      fs.renameSync(path.join(tree, 'etc/a'), path.join(tree, 'etc/z'));
      await settle();
      const renamed = await gated(file);
      assert.equal(renamed.xattrEntries, 2);
      assert.equal(renamed.fingerprint, await readAll());

      await removexattr(path.join(tree, 'etc/z/b/conf'), 'user.x');
      await settle();
      const removed = await gated(file);
      assert.equal(removed.xattrEntries, 1);
      assert.equal(removed.fingerprint, await readAll());
    });

    it('reads nothing again from a tree made within the margin: its entries are recorded too', async () => {
      const file = path.join(work, 'record-fresh');
      await setxattr(path.join(tree, 'usr/bin/ls'), 'user.x', '1');
      await settle();
      const first = await fp({ xattrs: { record: file, write: true }, clock: soon });
      assert.equal(first.xattrsRead, first.entries - 1);
      const second = await fp({ xattrs: { record: file, write: true }, clock: soon });
      assert.equal(second.xattrsRead, 0);
      assert.equal(second.fingerprint, first.fingerprint);
    });

    it('writes the record only when it changes, never when told not to, and reads everything after a clock step back', async () => {
      const file = path.join(work, 'record-writes');
      await setxattr(path.join(tree, 'usr/bin/ls'), 'user.x', '1');
      await gated(file, false);
      assert.ok(!fs.existsSync(file));
      await gated(file);
      const written = fs.statSync(file).mtimeMs;
      await gated(file);
      assert.equal(fs.statSync(file).mtimeMs, written, 'the same walk again leaves the record alone');
      // The last walk, as recorded, started after the clock now: read everything.
      const ahead = await fp({ xattrs: { record: file, write: false, marginMs: 10_000 }, clock: () => Date.now() - 60_000 });
      assert.equal(ahead.xattrsRead, ahead.entries - 1);
    });
  });
});
