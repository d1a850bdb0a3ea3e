// Checks how a VM's fstab is read and each entry's partition found on the disk alone, on plain data: no disk needed.
import assert from 'node:assert/strict';
import { findDevice } from '../../src/source/fstab-device.js';
import { parseFstab } from '../../src/source/fstab.js';
import type { Partition } from '../../src/source/probe.js';
import type { PartitionSource, ResolvedSource } from '../../src/source/kinds.js';
import { applyFstab, emptiedBy } from '../../src/source/split-disk.js';

const part = (number: number, fstype: string | null, ids: Partition['ids']): Partition => ({ number, offset: number << 20, size: 1 << 20, type: '0fc63daf-8483-4772-8e79-3d69d8477de4', fstype, ids });
const PARTITIONS = [
  part(1, 'vfat', { uuid: 'ABCD-1234', partlabel: 'EFI' }),
  part(2, 'ext4', { uuid: '11111111-2222-3333-4444-555555555555', label: 'root', partuuid: 'aaaa0001-01' }),
  part(3, 'ext4', { uuid: 'bbbbbbbb-2222-3333-4444-555555555555', label: 'my boot', partlabel: 'boot' }),
  part(4, 'LVM2_member', { uuid: 'lvm-pv' }),
];
const ROOT: PartitionSource = { spec: '/vm/disk.img', path: '/vm/disk.img', kind: 'disk', fstype: 'ext4', partition: 2, offset: 2 << 20, sizelimit: 1 << 20, options: [] };
const apply = (fstab: string, sources: ResolvedSource[] = [ROOT], excludes: string[] = ['home/*']) =>
  applyFstab(sources, PARTITIONS, { root: fstab, subvolumes: [] }, emptiedBy(excludes));

describe('source/fstab', function () {
  it('reads entries with escaped spaces, skipping comments and mount points that are no absolute path', function () {
    const entries = parseFstab('# comment\n\nLABEL=my\\040boot  /srv/my\\040data ext4 ro,noatime 0 2\n/swapfile none swap sw 0 0\nproc /proc proc\n');
    assert.deepEqual(entries.map((e) => [e.device, e.where, e.fstype, e.options]), [['LABEL=my boot', 'srv/my data', 'ext4', ['ro', 'noatime']], ['proc', 'proc', 'proc', ['defaults']]]);
  });

  it('finds partitions by UUID in any case, LABEL, PARTUUID, PARTLABEL, /dev/disk/by-* and device name', function () {
    const number = (device: string, root?: string) => {
      const match = findDevice(device, PARTITIONS, root);
      return 'partition' in match ? match.partition.number : match.missing;
    };
    assert.equal(number('UUID=abcd-1234'), 1);
    assert.equal(number('UUID="11111111-2222-3333-4444-555555555555"'), 2);
    assert.equal(number('LABEL=my boot'), 3);
    assert.equal(number('/dev/disk/by-label/my\\x20boot'), 3);
    assert.equal(number('PARTUUID=AAAA0001-01'), 2);
    assert.equal(number('PARTLABEL=boot'), 3);
    assert.equal(number('/dev/vda3'), 3);
    assert.equal(number('/dev/nvme0n1p2'), 2);
    assert.equal(number('/dev/sdb3', '/dev/sdb2'), 3);
    assert.match(String(number('/dev/sdb3')), /another disk of the VM/);
    assert.match(String(number('UUID=99999999-0000-0000-0000-000000000000')), /but no partition of this disk has it \(1 has UUID=ABCD-1234, 2 has UUID=/);
    assert.match(String(number('/dev/mapper/vg-var')), /LVM, LUKS, RAID or ZFS/);
    assert.match(String(number('server:/export/home')), /not a partition of this disk/);
  });

  it('adds each system mount as a stacked source of the disk, parents first, leaving the ESP, swap, tmpfs and /srv out', function () {
    const sources = apply(
      'LABEL=root / ext4 defaults 0 1\nUUID=abcd-1234 /boot/efi vfat umask=0077 0 1\nPARTLABEL=boot /boot ext4 defaults 0 2\n' +
        'LABEL=root /srv/data ext4 defaults 0 2\ntmpfs /var/tmp tmpfs defaults 0 0\n/swapfile none swap sw 0 0\n',
    );
    assert.deepEqual(sources.map((s) => s.kind === 'disk' && [s.partition, s.subdir ?? '', s.offset, s.fstab ?? '']), [[2, '', 2 << 20, ''], [3, 'boot', 3 << 20, 'PARTLABEL=boot /boot ext4 defaults 0 2']]);
  });

  it('leaves a directory to the user\'s stacked source and to the excludes that empty it', function () {
    const stacked: ResolvedSource = { spec: '/boot-tree', path: '/boot-tree', kind: 'directory', subdir: 'boot', options: [] };
    const fstab = 'LABEL=root / ext4 defaults 0 1\nPARTLABEL=boot /boot ext4 defaults 0 2\nUUID=lvm-pv /home ext4 defaults 0 2\n';
    assert.deepEqual(apply(fstab, [ROOT, stacked]).map((s) => s.subdir ?? ''), ['', 'boot']);
    assert.throws(() => apply(fstab, [ROOT, stacked], []), /mounts \/home from "UUID=lvm-pv \/home ext4 defaults 0 2", which is partition 4, an LVM physical volume: activate .*vgchange -ay/);
  });

  it('refuses an entry not on this disk unless it says nofail, as the VM then boots without it', function () {
    assert.throws(() => apply('LABEL=gone /var ext4 defaults 0 2\n'), /Option name: \/vm\/disk\.img: the VM's etc\/fstab mounts \/var from "LABEL=gone \/var ext4 defaults 0 2", which names LABEL=gone, but no partition of this disk has it .*give its content \(a directory\) as a stacked source \(\/vm\/disk\.img,,\/PATH,subdir=var\)/);
    assert.equal(apply('LABEL=gone /var ext4 defaults,nofail 0 2\n').length, 1);
  });

  it('finds a btrfs root in the subvolume whose own fstab mounts it on /, and refuses to guess between two', function () {
    const files = (dirs: string[]) => ({ root: null, subvolumes: dirs.map((dir) => ({ dir, text: `LABEL=root / btrfs defaults,subvol=/${dir} 0 0\n` })) });
    const [root] = applyFstab([ROOT], PARTITIONS, files(['@']), emptiedBy([]));
    assert.deepEqual(root!.options, ['subvol=@']);
    assert.deepEqual(applyFstab([{ ...ROOT, options: ['subvol=@'] }], PARTITIONS, { root: 'LABEL=root / btrfs subvol=@ 0 0\n', subvolumes: [] }, emptiedBy([]))[0]!.options, ['subvol=@']);
    assert.throws(() => applyFstab([ROOT], PARTITIONS, files(['@', '@old']), emptiedBy([])), /several root subvolumes \(@, @old\); name the one to build with \/vm\/disk\.img,subvol=NAME/);
  });
});
