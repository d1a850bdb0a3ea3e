// Extended attributes reach the image, so the fingerprint reads them: the shared python3 reader, and the record of the last walk that keeps a walk from reading every entry.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Entry } from '../../src/fingerprint/entry.js';
import { compileExcludes } from '../../src/match/exclude-matcher.js';
import { computeFingerprint } from '../../src/fingerprint/fingerprint.js';
import type { FingerprintOptions } from '../../src/fingerprint/walk-options.js';
import { diffManifests } from '../../src/fingerprint/manifest.js';
import { XattrGate } from '../../src/fingerprint/xattr-gate.js';
import { readRecord, type XattrRecord } from '../../src/fingerprint/xattr-record.js';
import { overlayMarked } from '../../src/fingerprint/overlay-view.js';
import { xattrDigest } from '../../src/fingerprint/xattr-digest.js';
import { readXattrsSync, XattrReader } from '../../src/fingerprint/xattrs.js';
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

  describe('the record of what the last walk saw', () => {
    /** The record a walk at `now` (ms) leaves after noting these entries. */
    const walked = (file: string, now: number, noted: Array<[Entry, string | undefined]>): XattrRecord => {
      const gate = new XattrGate(null, 'k', now);
      for (const [e, digest] of noted) gate.note(e, digest);
      gate.commit(file);
      return readRecord(file, 'k')!;
    };

    it('vouches only for entries it saw with the same device, inode and ctime: any other is read, however old its ctime', () => {
      assert.equal(new XattrGate(null, 'k', 10_000_000).known(entry(1, 1)), 'read');
      const old = walked(path.join(work, 'gate-seen'), 10_000_000, [[entry(1, 100), 'd1'], [entry(2, 200), undefined], [entry(3, 9_000), undefined]]);
      const gate = new XattrGate(old, 'k', 11_000_000);
      assert.equal(gate.known(entry(1, 100)), 'd1', 'seen with xattrs, ctime unchanged: reused');
      assert.equal(gate.known(entry(2, 200)), undefined, 'seen without, unchanged: none');
      assert.equal(gate.known(entry(2, 300)), 'read', 'ctime moved (whatever the clock said): read');
      assert.equal(gate.known(entry(2, 150)), 'read', 'even backwards');
      // A path excluded then, a directory moved in from elsewhere on the filesystem, a snapshot rolled back.
      assert.equal(gate.known(entry(4, 100)), 'read', 'never seen, ctime years old: read');
      assert.equal(new XattrGate(old, 'k', 9_000_000).known(entry(1, 100)), 'd1', 'a clock behind the last walk changes nothing');
    });

    it('leaves out entries changed within two seconds of the walk, not those stamped while the clock ran ahead', () => {
      const record = walked(path.join(work, 'gate-recent'), 20_000_000, [[entry(1, 19_999), 'd1'], [entry(2, 20_001), undefined], [entry(3, 30_000), 'd3']]);
      const gate = new XattrGate(record, 'k', 21_000_000);
      assert.equal(gate.known(entry(1, 19_999)), 'read', 'could still change within its ctime tick: read again');
      assert.equal(gate.known(entry(2, 20_001)), 'read');
      assert.equal(gate.known(entry(3, 30_000)), 'd3', 'a ctime ahead of the clock moves with any change from now on');
    });

    it('rewrites the record only when what it holds changes', () => {
      const file = path.join(work, 'gate-writes');
      const noted: Array<[Entry, string | undefined]> = [[entry(1, 100), 'd1'], [entry(2, 100), undefined]];
      const old = walked(file, 20_000_000, noted);
      const again = (extra: Array<[Entry, string | undefined]>): void => {
        const gate = new XattrGate(old, 'k', 21_000_000);
        for (const [e] of [...noted, ...extra]) gate.note(e, gate.known(e) === 'read' ? 'dx' : (gate.known(e) as string | undefined));
        gate.commit(file);
      };
      fs.rmSync(file);
      again([]);
      assert.ok(!fs.existsSync(file), 'the same entries: not written');
      again([[entry(5, 100), undefined]]);
      assert.equal(new XattrGate(readRecord(file, 'k'), 'k', 22_000_000).known(entry(5, 100)), 'dx', 'one more entry: written');
    });
  });

  describe('in the fingerprint', () => {
    let tree: string;
    const matcher = compileExcludes(BUILTIN_EXCLUDES);
    const fp = (extra: Partial<FingerprintOptions> = {}) =>
      computeFingerprint({ sources: [{ root: tree }], matcher, mode: 'mtime', manifestFile: `${work}/fp.gz`, clock: () => Date.now() + 60_000, xattrs: null, overlay: true, ...extra });
    // Walks that start 5 s from now find every change settled.
    const soon = (): number => Date.now() + 5000;
    const gated = (recordFile: string, write = true) => fp({ xattrs: { record: recordFile, write }, clock: soon });
    const readAll = async () => (await fp({ xattrs: { record: null, write: false }, clock: soon })).fingerprint;

    beforeEach(async () => {
      tree = fs.mkdtempSync(path.join(work, 'tree-'));
      for (const dir of ['usr/bin', 'etc/a/b']) fs.mkdirSync(path.join(tree, dir), { recursive: true });
      for (const file of ['usr/bin/ping', 'usr/bin/ls', 'etc/a/b/conf', 'etc/hosts']) fs.writeFileSync(path.join(tree, file), file);
      await settle();
    });

    it('keeps the fingerprint of a tree without xattrs, and mixes an xattr into its entry line only', async () => {
      const without = await fp();
      const read = await fp({ xattrs: { record: null, write: false }, earlier: 'xattrs' });
      assert.equal(read.fingerprint, without.fingerprint);
      assert.equal(read.earlier, without.fingerprint);
      assert.equal((await fp({ xattrs: { record: null, write: false } })).earlier, null, 'computed only when asked');
      fs.copyFileSync(`${work}/fp.gz`, `${work}/before.gz`);
      await execa('setcap', ['cap_net_raw+ep', path.join(tree, 'usr/bin/ping')]);
      const withCap = await fp({ xattrs: { record: null, write: false }, earlier: 'xattrs' });
      assert.notEqual(withCap.fingerprint, without.fingerprint);
      assert.equal(withCap.earlier, without.fingerprint, 'the digest without xattrs is the old one');
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
      const both = await fp({ sources, xattrs: { record: null, write: false }, earlier: 'xattrs' });
      assert.equal(both.xattrEntries, 1, 'only boot/vmlinuz');
      await removexattr(path.join(stacked, 'vmlinuz'), 'user.k');
      await settle();
      assert.equal((await fp({ sources, xattrs: { record: null, write: false }, earlier: 'xattrs' })).earlier, both.earlier);
      assert.equal((await fp({ sources, xattrs: { record: null, write: false } })).xattrEntries, 0);
    });

    it('counts what the overlay shows: no whiteouts or metacopy files, no trusted.overlay.* attributes (#26)', async () => {
      const file = path.join(work, 'overlay-record');
      const plain = await gated(file);
      const bin = (name: string): string => path.join(tree, 'usr/bin', name);
      await execa('mknod', [bin('whiteout'), 'c', '0', '0']);
      fs.writeFileSync(bin('meta'), 'data');
      await setxattr(bin('meta'), 'trusted.overlay.metacopy', '');
      fs.writeFileSync(bin('xwhiteout'), '');
      await setxattr(bin('xwhiteout'), 'trusted.overlay.whiteout', '');
      await setxattr(path.join(tree, 'etc/hosts'), 'trusted.overlay.origin', 'o');
      await setxattr(path.join(tree, 'etc/a'), 'trusted.overlay.opaque', 'y');
      await settle();
      const [major = 0, minor = 0] = os.release().split('.').map(Number);
      // Before Linux 6.7 an empty file marked a whiteout is a file to overlayfs too.
      const xwhiteouts = major > 6 || (major === 6 && minor >= 7);
      const marked = await gated(file);
      if (xwhiteouts) assert.equal(marked.fingerprint, plain.fingerprint, 'what the overlay hides or keeps to itself counts as nothing');
      else assert.notEqual(marked.fingerprint, plain.fingerprint);
      assert.equal(marked.overlayOnly, 'etc/a (overlayfs attributes)', 'read through the overlay');
      assert.notEqual((await fp({ xattrs: { record: null, write: false }, overlay: false, clock: soon })).fingerprint, marked.fingerprint, 'without an overlay all of it is read');

      fs.chmodSync(bin('whiteout'), 0o600);
      fs.writeFileSync(bin('meta'), 'other data');
      await setxattr(path.join(tree, 'etc/hosts'), 'trusted.overlay.origin', 'p');
      await settle();
      assert.equal((await gated(file)).fingerprint, marked.fingerprint, 'a change to only such entries or attributes');
      assert.equal((await gated(file)).fingerprint, marked.fingerprint, 'from the record too');
      await setxattr(bin('meta'), 'user.u', '1');
      await removexattr(bin('meta'), 'trusted.overlay.metacopy');
      await settle();
      assert.notEqual((await gated(file)).fingerprint, marked.fingerprint, 'a file no longer marked metacopy is one the overlay shows');
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

    it('reads nothing again from a tree made a moment ago: its entries are recorded too', async () => {
      const file = path.join(work, 'record-fresh');
      await setxattr(path.join(tree, 'usr/bin/ls'), 'user.x', '1');
      await settle();
      const first = await fp({ xattrs: { record: file, write: true }, clock: soon });
      assert.equal(first.xattrsRead, first.entries - 1);
      const second = await fp({ xattrs: { record: file, write: true }, clock: soon });
      assert.equal(second.xattrsRead, 0);
      assert.equal(second.fingerprint, first.fingerprint);
    });

    it('writes the record only when it changes, and never when told not to', async () => {
      const file = path.join(work, 'record-writes');
      await setxattr(path.join(tree, 'usr/bin/ls'), 'user.x', '1');
      await gated(file, false);
      assert.ok(!fs.existsSync(file));
      await gated(file);
      const written = fs.statSync(file).mtimeMs;
      await gated(file);
      assert.equal(fs.statSync(file).mtimeMs, written, 'the same walk again leaves the record alone');
    });
  });
});
