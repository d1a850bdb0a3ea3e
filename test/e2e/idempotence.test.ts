// ltsp_image rebuilds only when something that ends up in the image changed, and says what and why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runModule, type ModuleRun } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';
import { runTraced, walksIn } from '../helpers/strace.js';


describe('ltsp_image idempotence', function () {
  const box = useSandbox('idem-', 'chroot');
  let image: string;

  const run = (args: Record<string, unknown> = {}) => runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...args });
  const expect = (r: ModuleRun, changed: boolean, reason: string) => {
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.result.reason, reason, r.stdout);
    assert.equal(r.result.changed, changed, r.stdout);
  };

  before(async function () {
    image = path.join(box.images, 'fixture.img');
    await settle();
  });

  it('builds when missing, then says ok: up_to_date', async () => {
    const first = await run();
    expect(first, true, 'missing');
    assert.equal(first.result.generation, 1);
    const inode = fs.statSync(image).ino;
    const second = await run();
    expect(second, false, 'up_to_date');
    assert.equal(second.result.generation, 1);
    assert.equal(fs.statSync(image).ino, inode);
    assert.ok(fs.existsSync(`${image}.json`));
  });

  it('ignores changes under excluded paths and to content cleanup throws away', async () => {
    fs.writeFileSync(path.join(box.source, 'home/alice/new-file'), 'x');
    fs.writeFileSync(path.join(box.source, 'tmp/another'), 'x');
    fs.writeFileSync(path.join(box.source, 'var/log/dpkg.log.3.gz'), 'x');
    fs.writeFileSync(path.join(box.source, 'var/lib/apt/lists/bar_Packages'), 'x');
    fs.appendFileSync(path.join(box.source, 'var/log/syslog'), 'more log lines\n');
    await settle();
    expect(await run(), false, 'up_to_date');
  });

  it('rebuilds when an included file changes, and lists it in drift; check mode predicts the same', async () => {
    fs.appendFileSync(path.join(box.source, 'etc/hostname'), '# changed\n');
    fs.writeFileSync(path.join(box.source, 'usr/sbin/new-tool'), '#!/bin/sh\n');
    fs.rmSync(path.join(box.source, 'var/log/syslog'));
    await settle();
    const check = await run({ _ansible_check_mode: true, _ansible_diff: true });
    expect(check, true, 'source_changed');
    const real = await run({ _ansible_diff: true });
    expect(real, true, 'source_changed');
    for (const r of [check, real]) {
      const drift = r.result.drift as { added: number; removed: number; modified: number; added_paths: string[]; removed_paths: string[]; modified_paths: string[] };
      assert.deepEqual(drift.added_paths, ['usr/sbin/new-tool']);
      assert.deepEqual(drift.removed_paths, ['var/log/syslog']);
      assert.ok(drift.modified_paths.includes('etc/hostname'), JSON.stringify(drift));
      assert.match((r.result.diff as { after: string }).after, /added: usr\/sbin\/new-tool/);
    }
    assert.equal(real.result.generation, 2);
    expect(await run(), false, 'up_to_date');
  });

  it('a build right after a change does not leave a second rebuild for the next run', async () => {
    fs.writeFileSync(path.join(box.source, 'usr/sbin/fresh-tool'), 'v1\n');
    await settle();
    expect(await run(), true, 'source_changed');
    expect(await run(), false, 'up_to_date');
  });

  it('rebuilds on a config change and names the option', async () => {
    const r = await run({ mksquashfs_params: ['-comp', 'gzip', '-Xcompression-level', '1'] });
    expect(r, true, 'config_changed');
    assert.deepEqual(r.result.config_changes, ['mksquashfs_params']);
    const excl = await run({ mksquashfs_params: ['-comp', 'gzip', '-Xcompression-level', '1'], add_image_excludes: 'opt/big/*' });
    expect(excl, true, 'config_changed');
    assert.deepEqual(excl.result.config_changes, ['excludes']);
    expect(await run({ mksquashfs_params: ['-comp', 'gzip', '-Xcompression-level', '1'], add_image_excludes: 'opt/big/*' }), false, 'up_to_date');
    expect(await run(), true, 'config_changed');
  });

  it('rebuilds when someone replaced the image, and with verify when its content changed in place', async () => {
    const copy = path.join(box.scratch, 'copy.img');
    fs.copyFileSync(image, copy);
    fs.renameSync(copy, image);
    expect(await run(), true, 'image_replaced');
    const reference = path.join(box.scratch, 'timestamps');
    await execa('cp', ['--preserve=timestamps', image, reference]);
    const fd = fs.openSync(image, 'r+');
    fs.writeSync(fd, Buffer.from('garbage'), 0, 7, 100);
    fs.closeSync(fd);
    await execa('touch', ['-r', reference, image]);
    expect(await run(), false, 'up_to_date');
    expect(await run({ verify: true }), true, 'image_replaced');
  });

  it('reinstalls a missing or altered TFTP kernel without rebuilding', async () => {
    const inode = fs.statSync(image).ino;
    fs.rmSync(path.join(box.tftp, 'ltsp/fixture/vmlinuz'));
    fs.writeFileSync(path.join(box.tftp, 'ltsp/fixture/initrd.img'), 'tampered');
    const check = await run({ _ansible_check_mode: true });
    expect(check, true, 'kernel');
    const r = await run();
    expect(r, true, 'kernel');
    assert.equal(fs.statSync(image).ino, inode, 'the image was rebuilt');
    assert.deepEqual(fs.readFileSync(path.join(box.tftp, 'ltsp/fixture/vmlinuz')), fs.readFileSync(path.join(box.source, box.fixture.kernel.vmlinuz)));
    assert.deepEqual(fs.readFileSync(path.join(box.tftp, 'ltsp/fixture/initrd.img')), fs.readFileSync(path.join(box.source, box.fixture.kernel.initrd)));
    expect(await run(), false, 'up_to_date');
  });

  it('repairs the mode of a TFTP kernel changed by hand, without rebuilding', async () => {
    const inode = fs.statSync(image).ino;
    const vmlinuz = path.join(box.tftp, 'ltsp/fixture/vmlinuz');
    fs.chmodSync(vmlinuz, 0o600);
    expect(await run(), true, 'kernel');
    assert.equal(fs.statSync(vmlinuz).mode & 0o7777, 0o644);
    assert.equal(fs.statSync(image).ino, inode, 'the image was rebuilt');
    expect(await run(), false, 'up_to_date');
  });

  it('force rebuilds regardless', async () => {
    expect(await run({ force: true }), true, 'forced');
  });

  it('a corrupt, truncated or future state file means a rebuild with a warning, never a crash', async () => {
    for (const content of ['{not json', '', JSON.stringify({ format: 'ltsp-image-state/99' })]) {
      fs.writeFileSync(`${image}.json`, content);
      const r = await run();
      expect(r, true, 'image_replaced');
      assert.ok((r.result.warnings as string[]).some((w) => /state file/.test(w)), r.stdout);
      expect(await run(), false, 'up_to_date');
    }
  });

  it('holds the source state a revert moved away from, until the source changes again', async () => {
    fs.writeFileSync(path.join(box.source, 'usr/sbin/broken-tool'), 'v1\n');
    await settle();
    expect(await run(), true, 'source_changed');
    const revert = await runModule('ltsp_image_revert', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp });
    assert.equal(revert.result.changed, true, revert.stdout);
    const held = await run();
    expect(held, false, 'held');
    assert.match(String(held.result.msg), /force: true/);
    // Every nightly run of a held image answers from the stream the build recorded, as an up-to-date one does (#17).
    for (const night of [1, 2]) {
      const traced = await runTraced('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp }, box.scratch, 'execve');
      expect(traced, false, 'held');
      assert.equal(walksIn(traced.calls), 0, `night ${night} of a held image walked the source`);
    }
    fs.writeFileSync(path.join(box.source, 'usr/sbin/broken-tool'), 'v2, fixed\n');
    await settle();
    expect(await run(), true, 'source_changed');
  });
});
