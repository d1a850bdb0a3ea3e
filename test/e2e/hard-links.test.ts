// Hard links reach the image as link groups, so they count in the fingerprint; a source file cleanup rewrites may be hard-linked: the overlay's copy-up then gives it a new inode, which is no swap.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { unpackImage } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';

describe('hard-linked files that cleanup rewrites', function () {
  const box = useSandbox('links-', 'chroot');
  const FSTAB = 'UUID=6f1c2a4e / ext4 errors=remount-ro 0 1\n';

  it('etc/fstab hard-linked to etc/fstab.orig: emptied in the image, the other name and the source keep the content', async () => {
    fs.writeFileSync(path.join(box.source, 'etc/fstab'), FSTAB);
    fs.linkSync(path.join(box.source, 'etc/fstab'), path.join(box.source, 'etc/fstab.orig'));
    fs.writeFileSync(path.join(box.source, 'var/log/syslog'), 'server log\n');
    fs.linkSync(path.join(box.source, 'var/log/syslog'), path.join(box.source, 'var/log/syslog.hardlink'));
    const run = await runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, kernel: false });
    assert.equal(run.code, 0, run.stdout);
    const tree = await unpackImage(path.join(box.images, 'fixture.img'), path.join(box.scratch, 'unpacked'));
    assert.equal(fs.readFileSync(path.join(tree, 'etc/fstab'), 'utf8'), '');
    assert.equal(fs.readFileSync(path.join(tree, 'etc/fstab.orig'), 'utf8'), FSTAB);
    assert.equal(fs.readFileSync(path.join(tree, 'var/log/syslog'), 'utf8'), '');
    assert.equal(fs.readFileSync(path.join(tree, 'var/log/syslog.hardlink'), 'utf8'), '');
    assert.equal(fs.statSync(path.join(tree, 'etc/fstab.orig')).nlink, 1);
    assert.equal(fs.readFileSync(path.join(box.source, 'etc/fstab'), 'utf8'), FSTAB, 'the source is never written');
    assert.equal(fs.statSync(path.join(box.source, 'etc/fstab')).nlink, 2);
  });
});

describe('link groups in the fingerprint', function () {
  const box = useSandbox('link-groups-', 'dir');
  const run = (imageName: string) => runModule('ltsp_image', { name: box.source, image_name: imageName, base_dir: box.base, tftp_dir: box.tftp, kernel: false });
  const reasonOf = async (imageName: string): Promise<string> => {
    const done = await run(imageName);
    assert.equal(done.code, 0, done.stdout);
    return String(done.result.reason);
  };
  /** Makes the state file look written by a version that did not compare link groups, and drops the records that would answer for it. */
  const fromEarlierVersion = (imageName: string): void => {
    const file = path.join(box.images, `${imageName}.img.json`);
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(state.linksCompared, true);
    delete state.linksCompared;
    fs.writeFileSync(file, JSON.stringify(state));
    for (const record of ['xattrs', 'walk']) fs.rmSync(path.join(box.images, `.${imageName}.${record}`), { force: true });
  };

  it('a name re-pointed at another inode with the same stat (ln -f) rebuilds; an image recorded before groups were compared rebuilds once, as a config change, only when its tree has hard links', async () => {
    fs.mkdirSync(path.join(box.source, 'usr/bin'), { recursive: true });
    const [tool, tool2] = [path.join(box.source, 'usr/bin/tool'), path.join(box.source, 'usr/bin/tool2')];
    for (const file of [tool, tool2]) {
      fs.writeFileSync(file, 'same bytes\n', { mode: 0o755 });
      fs.utimesSync(file, 1.5e9, 1.5e9);
    }
    await settle();
    assert.equal(await reasonOf('links'), 'missing');
    assert.equal(await reasonOf('plain'), 'missing');
    fromEarlierVersion('plain');
    assert.equal(await reasonOf('plain'), 'up_to_date', 'a tree without hard links keeps its fingerprint across the upgrade');
    assert.equal((JSON.parse(fs.readFileSync(path.join(box.images, 'plain.img.json'), 'utf8')) as Record<string, unknown>).linksCompared, true, 'the walk that matched it marks the record');

    await execa('ln', ['-f', tool, tool2]);
    await settle();
    const relinked = await run('links');
    assert.equal(relinked.result.reason, 'source_changed', relinked.stdout);
    assert.deepEqual((relinked.result.drift as { modified_paths: string[] }).modified_paths, ['usr/bin/tool2']);
    assert.equal(await reasonOf('links'), 'up_to_date');

    fromEarlierVersion('plain');
    const upgraded = await run('plain');
    assert.equal(upgraded.result.reason, 'config_changed', upgraded.stdout);
    assert.deepEqual(upgraded.result.config_changes, ['hard_links']);
    assert.equal(await reasonOf('plain'), 'up_to_date');
  });
});
