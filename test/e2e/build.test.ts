// ltsp_image builds the image `ltsp image` builds, from chroots, raw disks, filesystem files and stacked sources, leaking nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import { ROOT_HASH } from '../helpers/chroot-accounts.js';
import { makeDosDisk, makeExt4Image, makeGptDisk } from '../helpers/disk-fixtures.js';
import { assertNothingLeaked, filesContaining, hostSnapshot, imagePaths, listImage, treeDigest, unpackImage, type HostSnapshot } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { waitForProcess } from '../helpers/spawn-module.js';

/** What cleanup deletes from the tree, beyond the excludes. */
const CLEANUP_REMOVED = ['etc/passwd-', 'etc/shadow-', 'etc/group-', 'etc/gshadow-', 'etc/subuid-', 'etc/subgid-', 'etc/systemd/resolved.conf.d/ltsp.conf'];

/** What the dns step adds when the tree had a resolved override. */
const CLEANUP_ADDED = ['etc/resolv.conf'];

/** The set of paths the reference tool's mksquashfs call gives for a tree, minus what cleanup removes. */
async function referencePaths(tree: string, work: string): Promise<string[]> {
  const list = path.join(work, 'reference.excludes');
  fs.writeFileSync(list, `${BUILTIN_EXCLUDES.join('\n')}\n`);
  const image = path.join(work, 'reference.img');
  await execa('mksquashfs', [tree, image, '-noappend', '-wildcards', '-ef', list, '-no-progress', '-quiet']);
  const paths = await imagePaths(image);
  fs.rmSync(image);
  return [...new Set([...paths.filter((p) => !CLEANUP_REMOVED.includes(p)), ...CLEANUP_ADDED])].sort();
}

describe('ltsp_image builds', function () {
  const box = useSandbox('build-', 'chroot');
  let baseline: HostSnapshot;

  before(async () => {
    baseline = await hostSnapshot();
  });
  afterEach(async function () {
    if (baseline) await assertNothingLeaked(baseline);
  });

  const build = (args: Record<string, unknown>) => runModule('ltsp_image', { base_dir: box.base, tftp_dir: box.tftp, ...args });

  it('builds a chroot found by its simple name, as the reference would, without touching the source', async () => {
    const digest = await treeDigest(box.source);
    const run = await build({ name: 'fixture' });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.changed, true);
    const image = path.join(box.base, 'images/fixture.img');
    assert.equal(run.result.image, image);
    assert.equal(run.result.image_name, 'fixture');
    assert.deepEqual(await imagePaths(image), await referencePaths(box.source, box.scratch));
    assert.equal(await treeDigest(box.source), digest, 'the source was modified');
    const steps = (run.result.cleanup as { step: string; changed: boolean }[]).map((s) => `${s.step}:${s.changed}`);
    assert.deepEqual(steps, ['printers:true', 'users:true', 'dns:true', 'ssh_host_keys:true', 'snakeoil:true', 'truncate:true']);
    assert.deepEqual(Object.keys(run.result.durations as object).sort(), ['cleanup', 'fingerprint', 'kernel', 'mksquashfs', 'mount', 'packages', 'publish', 'readiness', 'resolve']);
    const command = run.result.command as string[];
    assert.deepEqual(command.slice(command.indexOf('mksquashfs') + 2, command.indexOf('mksquashfs') + 6), [image + '.tmp', '-noappend', '-wildcards', '-ef']);
  });

  it('leaves no user, password hash or old secret in the image, and keeps system accounts', async () => {
    const image = path.join(box.base, 'images/fixture.img');
    const unpacked = await unpackImage(image, path.join(box.scratch, 'unpacked'));
    // Root's hash too: the reference's pwmerge --ltsp never carries a shadow field over (issue 11).
    assert.ok(box.fixture.needles.includes(ROOT_HASH));
    assert.deepEqual(filesContaining(unpacked, box.fixture.needles), []);
    assert.match(fs.readFileSync(path.join(unpacked, 'etc/shadow'), 'utf8'), /^root:!:::::::$/m);
    const passwd = fs.readFileSync(path.join(unpacked, 'etc/passwd'), 'utf8');
    assert.match(passwd, /^root:/m);
    assert.doesNotMatch(passwd, /^(alice|bob):/m);
    assert.equal(fs.readFileSync(path.join(unpacked, 'var/log/syslog'), 'utf8'), '');
    assert.equal(fs.readlinkSync(path.join(unpacked, 'etc/resolv.conf')), '../run/systemd/resolve/stub-resolv.conf');
    fs.rmSync(unpacked, { recursive: true });
  });

  it('installs the kernel and initrd to TFTP, mode 0644 with their timestamps', async () => {
    const vmlinuz = path.join(box.tftp, 'ltsp/fixture/vmlinuz');
    const initrd = path.join(box.tftp, 'ltsp/fixture/initrd.img');
    assert.deepEqual(fs.readFileSync(vmlinuz), fs.readFileSync(path.join(box.source, box.fixture.kernel.vmlinuz)));
    assert.deepEqual(fs.readFileSync(initrd), fs.readFileSync(path.join(box.source, box.fixture.kernel.initrd)));
    assert.equal(fs.statSync(vmlinuz).mode & 0o777, 0o644);
    assert.equal(Math.floor(fs.statSync(vmlinuz).mtimeMs / 1000), Math.floor(fs.statSync(path.join(box.source, box.fixture.kernel.vmlinuz)).mtimeMs / 1000));
  });

  it('keeps the previous image as NAME.img.old, and none with backup: false', async () => {
    const image = path.join(box.base, 'images/fixture.img');
    const firstInode = fs.statSync(image).ino;
    const run = await build({ name: 'fixture', force: true });
    assert.equal(run.result.backup, `${image}.old`);
    assert.equal(fs.statSync(`${image}.old`).ino, firstInode);
    assert.notEqual(fs.statSync(image).ino, firstInode);
    const noBackup = await build({ name: 'fixture', image_name: 'nobackup', backup: false });
    assert.equal(noBackup.result.backup, null);
    assert.equal(fs.existsSync(path.join(box.base, 'images/nobackup.img.old')), false);
    // As the reference's mkdir -pm 0700 BASE/images under umask 022 (measured: Debian's ltsp 23.02).
    assert.equal((fs.statSync(path.join(box.base, 'images')).mode & 0o777), 0o700);
    assert.equal((fs.statSync(box.base).mode & 0o777), 0o755);
  });

  it('builds from a GPT disk (EFI skipped), a DOS disk (swap skipped) and a bare ext4 file, like the directory', async () => {
    const expected = new Set(await imagePaths(path.join(box.base, 'images/fixture.img')));
    const gpt = await makeGptDisk(box.source, path.join(box.scratch, 'gpt.img'));
    const dos = await makeDosDisk(box.source, path.join(box.scratch, 'dos-flat.img'));
    const ext4 = await makeExt4Image(box.source, path.join(box.scratch, 'bare.img'));
    for (const [file, name] of [[gpt.file, 'gpt'], [dos.file, 'dos-flat'], [ext4.file, 'bare']] as const) {
      const run = await build({ name: file });
      assert.equal(run.code, 0, run.stdout);
      assert.equal(run.result.image_name, name);
      const got = new Set(await imagePaths(String(run.result.image)));
      got.delete('lost+found');
      assert.deepEqual([...got].filter((p) => !expected.has(p)), [], `${name}: extra paths`);
      assert.deepEqual([...expected].filter((p) => !got.has(p)), [], `${name}: missing paths`);
      assert.ok(fs.existsSync(path.join(box.tftp, 'ltsp', name, 'vmlinuz')));
    }
    const source = (await build({ name: gpt.file, image_name: 'gpt2' })).result.source as { kind: string; partition: number; fstype: string }[];
    assert.deepEqual(source.map((s) => [s.kind, s.partition, s.fstype]), [['disk', 2, 'ext4']]);
  });

  it('uses partition=N and refuses a partition without a filesystem it can mount', async () => {
    const gpt = path.join(box.scratch, 'gpt.img');
    const run = await build({ name: `${gpt},partition=2`, image_name: 'part2' });
    assert.equal(run.code, 0, run.stdout);
    assertFailed(await build({ name: `${gpt},partition=7`, image_name: 'part7' }), /partition=7 not found/);
    assert.equal(fs.existsSync(path.join(box.base, 'images/part7.img')), false);
  });

  it('stacks a second source at subdir=', async () => {
    const bootTree = path.join(box.scratch, 'bootfs');
    fs.mkdirSync(bootTree);
    fs.writeFileSync(path.join(bootTree, 'from-second-source'), 'boot partition\n');
    const bootImg = await makeExt4Image(bootTree, path.join(box.scratch, 'boot-part.img'));
    const run = await build({ name: `fixture,,${bootImg.file},subdir=boot`, image_name: 'stacked' });
    assert.equal(run.code, 0, run.stdout);
    const paths = await imagePaths(path.join(box.base, 'images/stacked.img'));
    assert.ok(paths.includes('boot/from-second-source'));
    assert.ok(!paths.includes(box.fixture.kernel.vmlinuz), 'the first source boot/ is hidden by the stacked one');
    assert.ok(paths.includes('etc/passwd'));
  });

  it('without overlay and cleanup, squashes the tree as it is; cleanup without overlay is refused', async () => {
    const run = await build({ name: 'fixture', image_name: 'raw', overlay: false, cleanup: false, kernel: false });
    assert.equal(run.code, 0, run.stdout);
    const entries = await listImage(path.join(box.base, 'images/raw.img'));
    assert.ok(entries.has('etc/passwd-'));
    assertFailed(await build({ name: 'fixture', image_name: 'raw2', overlay: false }), /Can't clean up without overlay/);
  });

  it('passes mksquashfs_params and ionice as argv, never through a shell', async () => {
    const marker = path.join(box.scratch, 'pwned');
    const run = await build({ name: 'fixture', image_name: 'params', mksquashfs_params: `-comp xz -b 1M`, ionice: '' });
    assert.equal(run.code, 0, run.stdout);
    const command = run.result.command as string[];
    assert.equal(command[0], 'mksquashfs');
    assert.deepEqual(command.slice(-4), ['-comp', 'xz', '-b', '1M']);
    const { stdout } = await execa('unsquashfs', ['-s', path.join(box.base, 'images/params.img')]);
    assert.match(stdout, /Compression xz/);
    const hostile = await build({ name: 'fixture', image_name: 'hostile', mksquashfs_params: [`; touch ${marker}`, `$(touch ${marker})`] });
    // Refused before anything runs: not an option mksquashfs_params allows.
    assertFailed(hostile, /^Option mksquashfs_params: "; touch .*" is not an option /);
    assert.equal(fs.existsSync(marker), false);
  });

  it('fails at mksquashfs with its own message, leaving the previous image and no tmp file', async () => {
    const image = path.join(box.base, 'images/fixture.img');
    const bytes = fs.readFileSync(image);
    // mksquashfs_params cannot make it fail (their values are checked first); a SOURCE_DATE_EPOCH it cannot read does.
    const run = await runModule('ltsp_image', { base_dir: box.base, tftp_dir: box.tftp, name: 'fixture', force: true }, { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    assertFailed(run, /^mksquashfs failed \(exit \d+\): .*SOURCE_DATE_EPOCH has invalid time value/);
    assert.deepEqual(fs.readFileSync(image), bytes);
    assert.equal(fs.existsSync(`${image}.tmp`), false);
  });

  it('check mode builds nothing', async () => {
    const run = await build({ name: 'fixture', image_name: 'checked', _ansible_check_mode: true });
    assert.equal(run.code, 0);
    assert.equal(run.result.changed, true);
    assert.equal(fs.existsSync(path.join(box.base, 'images/checked.img')), false);
  });

  it('leaves no mount, loop device or process when the module is SIGKILLed during mksquashfs', async () => {
    const big = path.join(box.scratch, 'big');
    await execa('cp', ['-a', box.source, big]);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(big, `usr/lib/blob${i}`), Buffer.alloc(4 << 20, i));
    const image = path.join(box.base, 'images/fixture.img');
    const bytes = fs.readFileSync(image);
    const child = execa(process.execPath, [path.resolve('bundle/ltsp_image')], {
      input: JSON.stringify({ name: big, image_name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, mksquashfs_params: ['-comp', 'xz', '-processors', '1'] }),
      reject: false,
    });
    // This run's mksquashfs only (others may be building on the machine): its command line names this image's temp file.
    await waitForProcess(`^mksquashfs .*${image.replace(/[.+]/g, '\\$&')}\\.tmp`);
    child.kill('SIGKILL');
    await child;
    await assertNothingLeaked(baseline, { workDirs: false });
    assert.deepEqual(fs.readFileSync(image), bytes, 'the previous image changed');
    const next = await build({ name: 'fixture' });
    assert.equal(next.code, 0, next.stdout);
    assert.equal(fs.existsSync(`${image}.tmp`), false);
  });
});
