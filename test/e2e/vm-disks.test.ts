// VM disks (qcow2, VDI, VMDK, VHDX) build the very image their raw disk does, are never written, and rebuild only when their content moved.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { makeExt4Image, makeGptDisk, type DiskFixture } from '../helpers/disk-fixtures.js';
import { assertNothingLeaked, hostSnapshot, unpackImage, type HostSnapshot } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/settle.js';

const FORMATS = ['qcow2', 'vdi', 'vmdk', 'vhdx'] as const;
const MiB = 1024 * 1024;

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('VM disk sources', function () {
  const box = useSandbox('vm-disks-', 'none');
  let tree: string;
  let raw: DiskFixture;
  let baseline: HostSnapshot;
  const disk = (format: string) => path.join(box.scratch, `vm.${format}`);
  const build = (args: Record<string, unknown>) => runModule('ltsp_image', { base_dir: box.base, tftp_dir: box.tftp, ...args });

  before(async function () {
    tree = path.join(box.scratch, 'tree');
    await makeChrootFixture(tree);
    // Without it, cleanup makes a new snakeoil key and every build differs.
    fs.rmSync(path.join(tree, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    raw = await makeGptDisk(tree, path.join(box.scratch, 'vm.raw'));
    // Dated as the raw disk: in mtime mode the disk files' time is the image's -mkfs-time.
    const { atime, mtime } = fs.statSync(raw.file);
    for (const format of FORMATS) {
      await execa('qemu-img', ['convert', '-f', 'raw', '-O', format, raw.file, disk(format)]);
      fs.utimesSync(disk(format), atime, mtime);
    }
    baseline = await hostSnapshot();
  });
  afterEach(async function () {
    if (baseline) await assertNothingLeaked(baseline);
  });

  it('builds a qcow2, a VDI, a VMDK and a VHDX byte for byte as their raw disk, without writing them', async () => {
    const first = await build({ name: raw.file, image_name: 'raw' });
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.result.reproducible, true);
    const expected = fs.readFileSync(String(first.result.image));
    for (const format of FORMATS) {
      const before = sha256(disk(format));
      const run = await build({ name: disk(format), image_name: format });
      assert.equal(run.code, 0, run.stdout);
      assert.deepEqual((run.result.source as { format?: string; partition: number }[]).map((s) => [s.format, s.partition]), [[format, 2]]);
      assert.ok(fs.readFileSync(String(run.result.image)).equals(expected), `${format}: the image differs from the raw disk's`);
      assert.equal(sha256(disk(format)), before, `${format}: the disk file was written`);
      assert.deepEqual(fs.readdirSync(box.scratch).filter((n) => n.startsWith('vm.') && !n.endsWith('.raw') && !FORMATS.some((f) => n === `vm.${f}`)), [], 'files left beside the disk');
    }
  });

  it('is ok while the VM disk is untouched or only rewritten with the same files, and rebuilds once a VM changed files', async () => {
    const again = (compare: string) => build({ name: disk('qcow2'), image_name: 'qcow2', compare });
    for (const compare of ['mtime', 'checksum']) {
      assert.equal((await again(compare)).code, 0);
      assert.equal((await again(compare)).result.changed, false, `${compare}: an untouched VM disk was rebuilt`);
    }
    // What a VM does: it writes its disk in place. First the very bytes the root partition holds, then a changed /etc/hostname.
    const part = raw.partitions.find((p) => p.number === raw.root)!;
    const writeRoot = (ext4: string) => execa('qemu-io', ['-f', 'qcow2', '-c', `write -s ${ext4} ${part.offset} ${part.size}`, disk('qcow2')]);
    const same = path.join(box.scratch, 'same.ext4');
    await execa('dd', [`if=${raw.file}`, `of=${same}`, 'bs=1M', `skip=${part.offset / MiB}`, `count=${part.size / MiB}`, 'status=none']);
    await writeRoot(same);
    assert.equal((await again('checksum')).result.changed, false, 'a VM disk rewritten with the same files was rebuilt');
    fs.writeFileSync(path.join(tree, 'etc/hostname'), 'after-the-vm-ran\n');
    const changed = await makeExt4Image(tree, path.join(box.scratch, 'changed.ext4'));
    assert.equal(changed.size, part.size, 'the changed filesystem does not fill the partition');
    await writeRoot(changed.file);
    const rebuilt = await again('checksum');
    assert.equal(rebuilt.code, 0, rebuilt.stdout);
    assert.equal(rebuilt.result.changed, true, 'a VM disk whose files changed was not rebuilt');
    const unpacked = await unpackImage(String(rebuilt.result.image), path.join(box.scratch, 'unpacked'));
    assert.equal(fs.readFileSync(path.join(unpacked, 'etc/hostname'), 'utf8'), 'after-the-vm-ran\n');
    assert.equal((await again('checksum')).result.changed, false);
  });

  it('follows a backing file beside the disk, counts it in the identity, and refuses one outside the directory', async () => {
    const overlayDir = path.join(box.scratch, 'overlay');
    fs.mkdirSync(overlayDir, { recursive: true });
    fs.copyFileSync(disk('vdi'), path.join(overlayDir, 'base.vdi'));
    const inside = path.join(overlayDir, 'inside.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.vdi', '-F', 'vdi', inside]);
    const ok = await build({ name: inside, image_name: 'inside' });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal((await build({ name: inside, image_name: 'inside' })).result.changed, false);
    fs.utimesSync(path.join(overlayDir, 'base.vdi'), new Date(), new Date(Date.now() + 5000));
    assert.equal((await build({ name: inside, image_name: 'inside' })).result.changed, true, 'a changed backing file went unnoticed');

    const outside = path.join(overlayDir, 'outside.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', disk('qcow2'), '-F', 'qcow2', outside]);
    assertFailed(await build({ name: outside, image_name: 'outside' }), /backing file .* outside the image's directory/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/outside.img')), false);
  });

  it('refuses a disk format it does not read, naming the conversion', async () => {
    const vhd = path.join(box.scratch, 'other.vhd');
    await execa('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', raw.file, vhd]);
    assertFailed(await build({ name: vhd, image_name: 'vhd' }), /is a vpc disk image, which ltsp_image does not read .*qemu-img convert -O qcow2/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/vhd.img')), false);
  });

  it('refuses a VM disk a running VM holds, naming what to do', async () => {
    const pidfile = path.join(box.scratch, 'vm.pid');
    const vm = execa('qemu-storage-daemon', ['--blockdev', JSON.stringify({ driver: 'file', 'node-name': 'f', filename: disk('vmdk') }),
      '--blockdev', JSON.stringify({ driver: 'vmdk', 'node-name': 'd', file: 'f' }), '--pidfile', pidfile], { reject: false });
    try {
      await waitFor(() => fs.existsSync(pidfile), 'the VM stand-in to hold its disk');
      assertFailed(await build({ name: disk('vmdk'), image_name: 'running' }), /in use .*shut the VM down/);
    } finally {
      vm.kill('SIGTERM');
      await vm;
    }
  });
});
