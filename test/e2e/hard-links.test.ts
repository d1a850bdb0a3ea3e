// A source file cleanup rewrites may be hard-linked: the overlay's copy-up then gives it a new inode, which is no swap.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unpackImage } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

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
