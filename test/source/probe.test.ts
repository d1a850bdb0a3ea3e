// Checks probeFile/choosePartition on real GPT and DOS disks, a bare ext4 image and a text file built from the chroot fixture.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { choosePartition, mountOptionsFor, probeFile, type Partition, type Probe } from '../../src/source/probe.js';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { makeDosDisk, makeExt4Image, makeGptDisk, type DiskFixture } from '../helpers/disk-fixtures.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** The fixtures know offsets and types; the UUIDs mkfs drew are checked on their own. */
const withoutIds = ({ ids: _ids, ...rest }: Partition) => rest;

describe('source/probe', function () {
  let dir: string;
  let gpt: DiskFixture;
  let dos: DiskFixture;
  let ext4: string;
  let text: string;

  before(async function () {
    dir = await scratchDir('probe-');
    const { root } = await makeChrootFixture(path.join(dir, 'tree'));
    gpt = await makeGptDisk(root, path.join(dir, 'gpt.img'));
    dos = await makeDosDisk(root, path.join(dir, 'dos.img'));
    ext4 = (await makeExt4Image(root, path.join(dir, 'root.ext4'))).file;
    text = path.join(dir, 'notes.txt');
    await fs.writeFile(text, 'just some text\n'.repeat(100));
  });

  after(async function () {
    if (dir) await removeScratch(dir);
  });

  it('reads a GPT disk and picks the root partition, skipping the EFI system partition', async function () {
    const probe = await probeFile(gpt.file);
    assert.equal(probe.kind, 'disk');
    assert.equal(probe.kind === 'disk' && probe.table, 'gpt');
    assert.deepEqual(probe.kind === 'disk' && probe.partitions.map(withoutIds), gpt.partitions);
    const root = probe.kind === 'disk' ? probe.partitions[1]! : undefined;
    assert.equal(root?.ids.label, 'root');
    assert.equal(root?.ids.partlabel, 'root');
    assert.match(root?.ids.partuuid ?? '', /^[0-9a-f-]{36}$/);
    const chosen = choosePartition(probe);
    assert.equal(chosen.number, 2);
    assert.equal(chosen.offset, 9 * 1024 * 1024);
    assert.equal(chosen.fstype, 'ext4');
    assert.equal(mountOptionsFor(chosen.fstype!), 'ro,noload');
  });

  it('reads a DOS disk and skips the swap partition', async function () {
    const probe = await probeFile(dos.file);
    assert.deepEqual(probe.kind === 'disk' && { ...probe, partitions: probe.partitions.map(withoutIds) }, { kind: 'disk', table: 'dos', partitions: dos.partitions, path: dos.file });
    assert.match(probe.kind === 'disk' ? probe.partitions[1]!.ids.partuuid ?? '' : '', /^[0-9a-f]{8}-02$/);
    assert.equal(choosePartition(probe).number, 2);
  });

  it('recognises a bare ext4 filesystem image', async function () {
    assert.deepEqual(await probeFile(ext4), { kind: 'filesystem', fstype: 'ext4', path: ext4 });
  });

  it('returns the partition named with partition=N, even the EFI one', async function () {
    const probe = await probeFile(gpt.file);
    const esp = choosePartition(probe, 1);
    assert.equal(esp.number, 1);
    assert.equal(esp.offset, 1024 * 1024);
    assert.equal(esp.type, 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
    assert.equal(choosePartition(probe, 2).fstype, 'ext4');
  });

  it('says which partitions exist when partition=N is wrong', async function () {
    const probe = await probeFile(gpt.file);
    assert.throws(() => choosePartition(probe, 5), {
      message: `partition=5 not found in ${gpt.file} (it has partitions 1, 2)`,
    });
  });

  it('refuses a text file with a message that says what to give instead', async function () {
    await assert.rejects(probeFile(text), {
      message: `Cannot recognise ${text} as a disk image or filesystem (blkid found nothing); give a chroot directory, a raw disk or a filesystem image (a qcow2, VDI or VMDK disk needs qemu-utils installed)`,
    });
  });

  it('refuses a missing file', async function () {
    await assert.rejects(probeFile(path.join(dir, 'nope.img')), /nope\.img does not exist/);
  });

  it('lists why no partition is usable', function () {
    const probe: Probe = {
      kind: 'disk',
      table: 'gpt',
      path: '/x/disk.img',
      partitions: [
        { number: 1, offset: 1048576, size: 8388608, type: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', fstype: 'vfat', ids: {} },
        { number: 2, offset: 9437184, size: 8388608, type: '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f', fstype: 'swap', ids: {} },
      ],
    };
    assert.throws(() => choosePartition(probe), {
      message: 'No usable partition in /x/disk.img: found 2 (EFI, swap); name one with partition=N',
    });
  });

  it('refuses partition=N on a bare filesystem', function () {
    assert.throws(() => choosePartition({ kind: 'filesystem', fstype: 'squashfs', path: '/x/fs' }, 2), {
      message: '/x/fs is a bare squashfs filesystem without a partition table; drop partition=2',
    });
  });

  it('mounts ext2/3/4 with noload, btrfs without log replay and everything else plain read-only', function () {
    for (const fstype of ['ext2', 'ext3', 'ext4']) assert.equal(mountOptionsFor(fstype), 'ro,noload');
    assert.equal(mountOptionsFor('btrfs'), 'ro,rescue=nologreplay');
    for (const fstype of ['squashfs', 'iso9660', 'vfat', 'xfs']) assert.equal(mountOptionsFor(fstype), 'ro');
  });
});
