// mksquashfs stores extended attributes, so a change of them alone (setcap on ping) must rebuild the image, in both compare modes and through the no-op shortcut.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { linkedAndAttributed } from '../helpers/image-links.js';
import { runModule, assertFailed, type ModuleRun } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';

type Drift = { modified: number; modified_paths: string[]; added: number; removed: number };

describe('extended attributes reach the fingerprint', function () {
  const box = useSandbox('xattrs-', 'dir');
  let ping: string;
  const run = (imageName: string, extra: Record<string, unknown> = {}): Promise<ModuleRun> =>
    runModule('ltsp_image', { name: box.source, image_name: imageName, base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...extra });
  /** Runs `change` on ping, then gives it back its mtime to the nanosecond (touch -r): only its ctime and xattrs differ. */
  const keepingMtime = async (change: () => Promise<unknown>): Promise<void> => {
    const reference = path.join(box.scratch, 'ping-times');
    const before = fs.statSync(ping, { bigint: true }).mtimeNs;
    await execa('touch', ['-r', ping, reference]);
    await change();
    await execa('touch', ['-r', reference, ping]);
    assert.equal(fs.statSync(ping, { bigint: true }).mtimeNs, before);
    await settle();
  };
  const reasonOf = async (imageName: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const done = await run(imageName, extra);
    assert.equal(done.code, 0, done.stdout);
    return String(done.result.reason);
  };
  const assertPingDrift = (done: ModuleRun): void => {
    assert.equal(done.result.changed, true, done.stdout);
    assert.equal(done.result.reason, 'source_changed', done.stdout);
    const drift = done.result.drift as Drift;
    assert.deepEqual([drift.added, drift.removed, drift.modified, drift.modified_paths], [0, 0, 1, ['usr/bin/ping']]);
  };

  before(async () => {
    fs.mkdirSync(path.join(box.source, 'usr/bin'), { recursive: true });
    ping = path.join(box.source, 'usr/bin/ping');
    fs.writeFileSync(ping, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(box.source, 'etc/hosts'), '127.0.0.1 localhost\n');
    await settle();
  });

  for (const compare of ['mtime', 'checksum'] as const) {
    it(`${compare}: setcap alone rebuilds naming the path (check mode first, writing nothing), the image has the capability, and removing it rebuilds`, async () => {
      const name = `cap-${compare}`;
      const image = path.join(box.images, `${name}.img`);
      const leaks = await hostSnapshot();
      assert.equal(await reasonOf(name, { compare }), 'missing');
      assert.equal(await reasonOf(name, { compare }), 'up_to_date');
      assert.equal(await reasonOf(name, { compare }), 'up_to_date');
      assert.ok(fs.existsSync(path.join(box.images, `.${name}.walk`)), 'the no-op shortcut has its record, so it must fall back to the walk');
      await keepingMtime(() => execa('setcap', ['cap_net_raw+ep', ping]));

      const files = [image, `${image}.json`, path.join(box.images, `.${name}.xattrs`), path.join(box.images, `.${name}.walk`)];
      const snapshot = () => files.map((f) => (fs.existsSync(f) ? `${f} ${fs.statSync(f).ino} ${fs.statSync(f).mtimeMs} ${fs.readFileSync(f).length}` : `${f} absent`));
      const before = snapshot();
      const checked = await run(name, { compare, check_mode: true, _ansible_diff: true });
      assertPingDrift(checked);
      // Diff mode names the source's attributes; the image's cannot be listed, so its line lacks them.
      assert.match(String((checked.result.diff as { after: string }).after), /^modified: usr\/bin\/ping: .* xattrs:security\.capability$/m);
      assert.deepEqual(snapshot(), before, 'check mode writes nothing');

      assertPingDrift(await run(name, { compare }));
      const unpacked = path.join(box.scratch, `unpacked-${compare}`);
      await execa('unsquashfs', ['-no-progress', '-d', unpacked, image]);
      assert.deepEqual((await linkedAndAttributed(unpacked)).attributed, ['usr/bin/ping']);
      assert.equal(await reasonOf(name, { compare }), 'up_to_date');
      assert.equal(await reasonOf(name, { compare }), 'up_to_date');

      await keepingMtime(() => execa('setcap', ['-r', ping]));
      const removed = await run(name, { compare, _ansible_diff: true });
      assertPingDrift(removed);
      // Both lines read the same now: the after side says the change is in what a line cannot show.
      const diff = removed.result.diff as { before: string; after: string };
      assert.doesNotMatch(diff.after, /xattrs:/, diff.before);
      assert.match(diff.after, /^modified: usr\/bin\/ping: .* \(changed beyond this line: extended attributes, /m, diff.before);
      assert.equal(await reasonOf(name, { compare }), 'up_to_date');
      await assertNothingLeaked(leaks);
    });
  }

  it('checksum: a disk source is walked with every xattr read (its ctimes come from another clock)', async () => {
    const disk = path.join(box.scratch, 'disk.img');
    const leaks = await hostSnapshot();
    await execa('mkfs.ext4', ['-q', '-d', box.source, disk, '16M']);
    await settle();
    assert.equal(await reasonOf('disk', { name: disk, compare: 'checksum' }), 'missing');
    assert.equal(await reasonOf('disk', { name: disk, compare: 'checksum' }), 'up_to_date');
    // debugfs writes the attribute without moving the inode's ctime, as a VM with a slow clock might look.
    await execa('debugfs', ['-w', '-R', 'ea_set /usr/bin/ping user.origin vm', disk]);
    await settle();
    assertPingDrift(await run('disk', { name: disk, compare: 'checksum' }));
    assert.equal(await reasonOf('disk', { name: disk, compare: 'checksum' }), 'up_to_date');
    await assertNothingLeaked(leaks);
  });

  it('an image recorded before xattrs were compared rebuilds once, as a config change, only when its tree has xattrs', async () => {
    assert.equal(await reasonOf('old-plain'), 'missing');
    assert.equal(await reasonOf('old-attr'), 'missing');
    // What the previous version left: no marker in the record, no xattr record, and no shortcut record this version takes.
    for (const name of ['old-plain', 'old-attr']) {
      const file = path.join(box.images, `${name}.img.json`);
      const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      assert.equal(state.xattrsCompared, true);
      delete state.xattrsCompared;
      fs.writeFileSync(file, JSON.stringify(state));
      for (const record of ['xattrs', 'walk']) fs.rmSync(path.join(box.images, `.${name}.${record}`), { force: true });
    }
    assert.equal(await reasonOf('old-plain'), 'up_to_date', 'a tree without xattrs keeps its fingerprint across the upgrade');
    const plainState = () => JSON.parse(fs.readFileSync(path.join(box.images, 'old-plain.img.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(plainState().xattrsCompared, true, 'the walk that matched it marks the record');
    await keepingMtime(() => execa('setcap', ['cap_net_raw+ep', ping]));
    // ltsp_image_info compares such a record without xattrs: the source did not drift.
    const info = await runModule('ltsp_image_info', { name: 'old-attr', base_dir: box.base, tftp_dir: box.tftp });
    assert.equal((info.result.images as Array<{ drifted: boolean }>)[0]!.drifted, false, info.stdout);
    const upgraded = await run('old-attr');
    assert.equal(upgraded.result.changed, true, upgraded.stdout);
    assert.equal(upgraded.result.reason, 'config_changed');
    assert.deepEqual(upgraded.result.config_changes, ['extended_attributes']);
    assert.equal(upgraded.result.drift, undefined);
    assert.equal(await reasonOf('old-attr'), 'up_to_date');
    // The marked record: the same xattr change is a source change there, with its path.
    assertPingDrift(await run('old-plain'));
    await keepingMtime(() => execa('setcap', ['-r', ping]));
  });

  it('fails naming python3 when it is missing and xattrs must be read, building nothing', async () => {
    const bin = path.join(box.scratch, 'bin-without-python');
    fs.mkdirSync(bin);
    for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      for (const tool of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (!tool.startsWith('python') && !fs.existsSync(path.join(bin, tool))) fs.symlinkSync(path.join(dir, tool), path.join(bin, tool));
      }
    }
    // Debian's own /usr/bin/python3 is taken first: a non-executable file is bound over it in a mount namespace of the run's own.
    const notPython = path.join(box.scratch, 'not-python');
    fs.writeFileSync(notPython, '', { mode: 0o644 });
    const withoutPython = async (extra: Record<string, unknown>) => {
      const mask = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', notPython, fs.realpathSync('/usr/bin/python3')];
      const args = { name: box.source, image_name: 'nopython', base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...extra };
      return runModule('ltsp_image', args, { node: mask[0], env: { PATH: bin }, prefix: [...mask.slice(1), process.execPath] });
    };
    const failed = await withoutPython({});
    assertFailed(failed, /python3 is not installed; install it \(apt-get install python3-minimal\)/);
    assert.ok(!fs.existsSync(path.join(box.images, 'nopython.img')));
    const without = await withoutPython({ mksquashfs_params: ['-no-xattrs'] });
    assert.equal(without.result.reason, 'missing', `-no-xattrs needs no python3: ${without.stdout}`);
  });
});
