// Disks whose tree spans partitions build the image their tree does as a directory: the VM's own fstab says where /boot and /var are.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeChrootFixture, type ChrootFixture } from '../helpers/chroot-fixture.js';
import { assertNothingLeaked, hostSnapshot, imagePaths, type HostSnapshot } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { makeSplitDisk, type SplitPartition } from '../helpers/split-disk.js';

const BOOT_UUID = '3f2a3c1e-5b8d-4d6e-9a70-1c2b3d4e5f60';
const ESP_UUID = 'ABCD-1234';
/** Ubuntu's order: the ESP, then /boot before the root, so the first usable partition is not the root. */
const LAYOUT: SplitPartition[] = [
  { where: 'boot/efi', label: 'EFI', kind: 'vfat', uuid: ESP_UUID },
  { where: 'boot', label: 'boot', uuid: BOOT_UUID },
  { where: '', label: 'root' },
  { where: 'var', label: 'var-part' },
];
/** As installers write it: by UUID and LABEL, with swap, a tmpfs and the ESP (which stays out of the image) beside the system partitions. */
const FSTAB = `# <file system> <mount point> <type> <options> <dump> <pass>
LABEL=root / ext4 errors=remount-ro 0 1
UUID=${BOOT_UUID} /boot ext4 defaults 0 2
UUID=${ESP_UUID.toLowerCase()} /boot/efi vfat umask=0077 0 1
LABEL=var-part /var ext4 defaults 0 2
/swapfile none swap sw 0 0
tmpfs /tmp tmpfs defaults 0 0
`;

/** Each partition has its own lost+found, as the VM sees it; the directory has none. */
const withoutLostFound = (paths: string[]) => paths.filter((p) => !p.split('/').includes('lost+found')).sort();

describe('disks whose tree spans partitions', function () {
  const box = useSandbox('split-disks-', 'none');
  let fixture: ChrootFixture;
  let raw: string;
  let qcow2: string;
  let baseline: HostSnapshot;
  const build = (args: Record<string, unknown>) => runModule('ltsp_image', { base_dir: box.base, tftp_dir: box.tftp, ...args });
  let fromTree: Promise<string[]> | undefined;
  /** The paths of the image the tree gives as a directory, built once. */
  const treePaths = () => (fromTree ??= build({ name: 'tree' }).then((run) => {
    assert.equal(run.code, 0, run.stdout);
    return imagePaths(String(run.result.image)).then(withoutLostFound);
  }));

  before(async function () {
    fixture = await makeChrootFixture(path.join(box.base, 'tree'));
    fs.mkdirSync(path.join(fixture.root, 'boot/efi'));
    // Without it, cleanup makes a new snakeoil key and every build differs.
    fs.rmSync(path.join(fixture.root, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    fs.writeFileSync(path.join(fixture.root, 'etc/fstab'), FSTAB);
    raw = path.join(box.scratch, 'split.raw');
    await makeSplitDisk(fixture.root, raw, LAYOUT, FSTAB);
    qcow2 = path.join(box.scratch, 'split.qcow2');
    await execa('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    fs.utimesSync(qcow2, fs.statSync(raw).atime, fs.statSync(raw).mtime);
    baseline = await hostSnapshot();
  });
  afterEach(async function () {
    await killStarted();
    if (baseline) await assertNothingLeaked(baseline);
  });

  it('finds the root after /boot and builds a raw and a qcow2 disk with separate /boot and /var as the directory, ESP left out', async () => {
    const expected = await treePaths();
    const fromRaw = await build({ name: raw, image_name: 'raw' });
    assert.equal(fromRaw.code, 0, fromRaw.stdout);
    assert.deepEqual(withoutLostFound(await imagePaths(String(fromRaw.result.image))), expected);
    const sources = fromRaw.result.source as { partition: number; subdir?: string; fstab?: string }[];
    assert.deepEqual(sources.map((s) => [s.partition, s.subdir ?? '']), [[3, ''], [2, 'boot'], [4, 'var']]);
    assert.equal(sources[1]!.fstab, `UUID=${BOOT_UUID} /boot ext4 defaults 0 2`);
    assert.ok(fs.existsSync(path.join(box.tftp, 'ltsp/raw', 'vmlinuz')), 'no kernel from the /boot partition');

    const fromQcow2 = await build({ name: qcow2, image_name: 'qcow2' });
    assert.equal(fromQcow2.code, 0, fromQcow2.stdout);
    assert.ok(fs.readFileSync(String(fromQcow2.result.image)).equals(fs.readFileSync(String(fromRaw.result.image))), 'the qcow2 image differs from the raw disk\'s');
  });

  it('rebuilds when a file on the /var partition changed, in checksum mode', async () => {
    const copy = path.join(box.scratch, 'var-change.raw');
    fs.copyFileSync(raw, copy);
    const again = () => build({ name: copy, image_name: 'var-change', compare: 'checksum' });
    assert.equal((await again()).code, 0);
    assert.equal((await again()).result.changed, false, 'an untouched split disk was rebuilt');
    const tree = path.join(box.scratch, 'var-changed-tree');
    await execa('cp', ['-a', fixture.root, tree]);
    fs.writeFileSync(path.join(tree, 'var/lib/changed-by-the-vm'), 'x\n');
    await makeSplitDisk(tree, copy, LAYOUT, FSTAB);
    const rebuilt = await again();
    assert.equal(rebuilt.result.changed, true, 'a change on the /var partition went unnoticed');
    assert.ok((await imagePaths(String(rebuilt.result.image))).includes('var/lib/changed-by-the-vm'));
  });

  it('builds a btrfs root in subvolume @ with /var in @var, /home (excluded) never mounted, as the directory', async () => {
    const system = '6d1f0c3a-2b4e-4f5a-8c9d-0e1f2a3b4c5d';
    const parts: SplitPartition[] = [
      { where: '', label: 'system', kind: 'btrfs', uuid: system, subvolumes: { '@': '', '@var': 'var', '@home': 'home' } },
      { where: 'boot', label: 'boot', uuid: BOOT_UUID },
    ];
    const fstab = `UUID=${system} / btrfs defaults,subvol=@ 0 0\nUUID=${BOOT_UUID} /boot ext4 defaults 0 2\n` +
      `UUID=${system} /var btrfs defaults,subvol=/@var 0 0\nUUID=${system} /home btrfs defaults,subvol=@home 0 0\n`;
    const file = path.join(box.scratch, 'btrfs.raw');
    await makeSplitDisk(fixture.root, file, parts, fstab);
    const run = await build({ name: file, image_name: 'btrfs' });
    assert.equal(run.code, 0, run.stdout);
    const sources = run.result.source as { partition: number; subdir?: string; options?: string[] }[];
    assert.deepEqual(sources.map((s) => [s.partition, s.subdir ?? '', s.options ?? []]), [[1, '', ['subvol=@']], [2, 'boot', []], [1, 'var', ['subvol=@var']]]);
    assert.deepEqual(withoutLostFound(await imagePaths(String(run.result.image))), await treePaths());
    assert.ok(fs.existsSync(path.join(box.tftp, 'ltsp/btrfs', 'vmlinuz')), 'no kernel from the /boot partition');
  });

  it('refuses an fstab entry whose filesystem is not on the disk, naming it and what to do', async () => {
    const missing = FSTAB.replace(`UUID=${BOOT_UUID} /boot`, 'UUID=0badc0de-0000-4000-8000-000000000000 /boot');
    const file = path.join(box.scratch, 'missing.raw');
    await makeSplitDisk(fixture.root, file, LAYOUT, missing);
    const run = await build({ name: file, image_name: 'missing' });
    assertFailed(run, /etc\/fstab mounts \/boot from "UUID=0badc0de-0000-4000-8000-000000000000 \/boot ext4 defaults 0 2", which names UUID=0badc0de.*, but no partition of this disk has it .*stacked source \(.*,,\/PATH,subdir=boot\)/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/missing.img')), false);
  });

  it('refuses a LUKS partition the fstab mounts, naming the partition and how to open it', async () => {
    const parts: SplitPartition[] = [{ where: '', label: 'root' }, { where: 'var', label: 'crypt', kind: 'luks' }];
    const fstab = 'LABEL=root / ext4 defaults 0 1\nPARTLABEL=crypt /var ext4 defaults 0 2\n';
    const file = path.join(box.scratch, 'luks.raw');
    await makeSplitDisk(fixture.root, file, parts, fstab);
    assertFailed(await build({ name: file, image_name: 'luks' }), /mounts \/var from "PARTLABEL=crypt .*", which is partition 2, LUKS-encrypted: open it .*cryptsetup open --readonly/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/luks.img')), false);
  });

  it('refuses a disk whose root is in a LUKS volume beside a plain /boot, which alone would be an image without the system', async () => {
    const parts: SplitPartition[] = [{ where: 'boot', label: 'boot' }, { where: '', label: 'root', kind: 'luks' }];
    const file = path.join(box.scratch, 'luks-root.raw');
    await makeSplitDisk(fixture.root, file, parts, 'LABEL=root / ext4 defaults 0 1\nLABEL=boot /boot ext4 defaults 0 2\n');
    const run = await build({ name: file, image_name: 'luksroot' });
    assertFailed(run, /no partition holds a system with an etc\/fstab, and partition 2 is LUKS-encrypted: open it .*cryptsetup open --readonly.*partition=N/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/luksroot.img')), false);
    // Named, the /boot partition builds as it is: the admin's choice, not a guess.
    const named = await build({ name: `${file},partition=1`, image_name: 'luksroot' });
    assert.equal(named.code, 0, named.stdout);
  });

  it('leaves no mount, loop device or daemon when the module is SIGKILLed with every partition of a split qcow2 mounted', async () => {
    const run = startModule('ltsp_image', { name: qcow2, image_name: 'killed', base_dir: box.base, tftp_dir: box.tftp }, { LTSP_IMAGE_FAILPOINT: 'cleanup' });
    await run.reached('cleanup');
    const loops = (await execa('losetup', ['-a'])).stdout.split('\n').filter((line) => line.includes(qcow2));
    assert.equal(loops.length, 3, `the root, /boot and /var partitions are not all loop-mounted: ${loops.join('; ')}`);
    assert.ok((await hostSnapshot()).processes.some((p) => p.startsWith('qemu-storage-daemon')), 'no qemu-storage-daemon serves the qcow2');
    run.child.kill('SIGKILL');
    await run.child;
    await assertNothingLeaked(baseline, { workDirs: false });
    const next = await build({ name: qcow2, image_name: 'killed' });
    assert.equal(next.code, 0, next.stdout);
  });
});
