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
import { readXattrsSync, xattrDigest, XattrReader } from '../../src/fingerprint/xattrs.js';
import { ModuleError } from '../../src/runtime/errors.js';
import { storesXattrs } from '../../src/squashfs/params.js';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { requireRoot } from '../helpers/root.js';
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

    it('reads none when mksquashfs stores none: the last of -xattrs and -no-xattrs wins, as in mksquashfs', () => {
      assert.equal(storesXattrs([]), true);
      assert.equal(storesXattrs(['-comp', 'zstd', '-no-xattrs']), false);
      assert.equal(storesXattrs(['-no-xattrs', '-xattrs']), true);
      assert.equal(storesXattrs(['-xattrs', '-no-xattrs']), false);
    });

    it('fails naming python3 and its package when python3 is missing', async () => {
      const saved = process.env.PATH;
      process.env.PATH = path.join(work, 'no-such-bin');
      try {
        await assert.rejects(
          () => new XattrReader().read([Buffer.from('/')]),
          (error: Error) => error instanceof ModuleError && /python3 is not installed.*apt-get install python3-minimal/.test(error.message),
        );
      } finally {
        process.env.PATH = saved;
      }
    });
  });

  describe('the ctime gate', () => {
    const record = (entries: Array<[number, number, string]>, walked: number, newest: number): XattrRecord => ({
      key: 'k',
      walked,
      newest,
      entries: new Map(entries.map(([ino, ctime, digest]) => [`7:${ino}`, { ctime: `${ctime}.000000000`, digest }])),
    });
    const hour = 3600_000;

    it('reads everything without a record, and with one only what changed since the last walk less the margin', () => {
      assert.equal(new XattrGate(null, 'k', 10_000_000).known(entry(1, 1)), 'read');
      // The last walk ran at 10000 s and saw ctimes up to 9000 s: the gate opens at 9000 s less an hour.
      const gate = new XattrGate(record([[1, 100, 'd1'], [2, 200, 'd2']], 10_000_000, 9_000_000), 'k', 11_000_000);
      assert.equal(gate.known(entry(1, 100)), 'd1', 'recorded, ctime unchanged: reused');
      assert.equal(gate.known(entry(3, 100)), undefined, 'not recorded and older: none');
      assert.equal(gate.known(entry(2, 300)), 'read', 'recorded with another ctime: read');
      assert.equal(gate.known(entry(4, 9_000 - 3600)), 'read', 'at the gate: read');
      assert.equal(gate.known(entry(5, 9_000 - 3601)), undefined, 'just before it: not read');
      assert.equal(gate.known(entry(6, 20_000)), 'read');
    });

    it('reads everything when the clock is behind the last walk (stepped back), and a future ctime does not move the gate', () => {
      const old = record([[1, 100, 'd1']], 10_000_000, 9_000_000);
      assert.equal(new XattrGate(old, 'k', 9_999_999).known(entry(1, 100)), 'read');
      const future = record([], 10_000_000, 50_000_000);
      assert.equal(new XattrGate(future, 'k', 11_000_000).known(entry(2, 10_000 - 3600)), 'read');
      assert.equal(new XattrGate(future, 'k', 11_000_000, 0).known(entry(2, 9_999)), undefined);
      assert.equal(new XattrGate(record([], 10 * hour, 10 * hour), 'k', 11 * hour, hour).known(entry(3, 9 * 3600)), 'read');
    });
  });

  describe('in the fingerprint', () => {
    let tree: string;
    const matcher = compileExcludes(BUILTIN_EXCLUDES);
    const fp = (extra: Partial<FingerprintOptions> = {}) =>
      computeFingerprint({ sources: [{ root: tree }], matcher, mode: 'mtime', manifestFile: `${work}/fp.gz`, clock: () => Date.now() + 60_000, xattrs: null, ...extra });
    const gated = (recordFile: string, write = true) => fp({ xattrs: { record: recordFile, write, marginMs: 0 } });

    beforeEach(() => {
      tree = fs.mkdtempSync(path.join(work, 'tree-'));
      for (const dir of ['usr/bin', 'etc/a/b']) fs.mkdirSync(path.join(tree, dir), { recursive: true });
      for (const file of ['usr/bin/ping', 'usr/bin/ls', 'etc/a/b/conf', 'etc/hosts']) fs.writeFileSync(path.join(tree, file), file);
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

    it('reads only entries changed since the last walk, and sees an xattr change, removal and a renamed parent', async () => {
      const file = path.join(work, 'record');
      await setxattr(path.join(tree, 'etc/a/b/conf'), 'user.x', '1');
      const first = await gated(file);
      const entries = first.entries;
      assert.equal(first.xattrsRead, entries - 1, 'no record: every entry but the root');
      const second = await gated(file);
      assert.equal(second.fingerprint, first.fingerprint);
      assert.ok(second.xattrsRead < 3, `only the newest ctimes are read again (${second.xattrsRead})`);

      await setxattr(path.join(tree, 'usr/bin/ping'), 'user.y', '2');
      const third = await gated(file);
      assert.notEqual(third.fingerprint, first.fingerprint);
      assert.equal(third.fingerprint, (await fp({ xattrs: { record: null, write: false } })).fingerprint);

      // A renamed directory moves no ctime below it: its files' xattrs come from the record, by inode.
      fs.renameSync(path.join(tree, 'etc/a'), path.join(tree, 'etc/z'));
      const renamed = await gated(file);
      assert.equal(renamed.xattrEntries, 2);
      assert.equal(renamed.fingerprint, (await fp({ xattrs: { record: null, write: false } })).fingerprint);

      await removexattr(path.join(tree, 'etc/z/b/conf'), 'user.x');
      const removed = await gated(file);
      assert.equal(removed.xattrEntries, 1);
      assert.equal(removed.fingerprint, (await fp({ xattrs: { record: null, write: false } })).fingerprint);
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
      const ahead = await fp({ xattrs: { record: file, write: false, marginMs: 0 }, clock: () => Date.now() - 3600_000 });
      assert.equal(ahead.xattrsRead, ahead.entries - 1);
    });
  });
});
