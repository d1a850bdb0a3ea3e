// Kills, interrupts and starves real runs at every phase: the previous image survives byte for byte, and nothing is left behind.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { workDirPrefix } from '../../src/layout/work-dir.js';
import { assertNothingLeaked, hostSnapshot, type HostSnapshot } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { killStarted, startModule, waitForProcess } from '../helpers/spawn-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';


describe('faults', function () {
  const box = useSandbox('faults-', 'chroot');
  let image: string;
  let diskSource: string;
  let injected = 0;
  let survived = 0;
  let baseline: HostSnapshot;

  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });
  const touchSource = async () => {
    fs.writeFileSync(path.join(box.base, 'fixture/etc/fault-marker'), `${Date.now()}\n`);
    await settle();
  };
  const assertImageIntact = async (bytes: Buffer) => {
    assert.deepEqual(fs.readFileSync(image), bytes, 'the previous image changed');
    const check = await execa('unsquashfs', ['-s', image], { reject: false });
    assert.equal(check.exitCode, 0, 'the previous image is not a valid squashfs');
  };

  before(async function () {
    image = path.join(box.images, 'fixture.img');
    diskSource = path.join(box.scratch, 'disk.ext4');
    await execa('mkfs.ext4', ['-q', '-d', box.source, diskSource, '32M']);
    await settle();
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    assert.equal((await runModule('ltsp_image', args({ name: diskSource, image_name: 'disk' }))).code, 0);
    baseline = await hostSnapshot();
  });
  afterEach(killStarted);
  after(async function () {
    process.stdout.write(`      faults: ${injected} injected, ${survived} survived\n`);
  });

  for (const phase of ['resolve', 'fingerprint', 'mount', 'cleanup', 'mksquashfs', 'publish', 'kernel-install']) {
    it(`SIGKILL at ${phase}: previous image intact, nothing left, next run succeeds and cleans up`, async () => {
      injected++;
      await touchSource();
      const bytes = fs.readFileSync(image);
      const run = startModule('ltsp_image', args(), { LTSP_IMAGE_FAILPOINT: phase });
      await run.reached(phase);
      run.child.kill('SIGKILL');
      await run.child;
      await assertNothingLeaked(baseline, { workDirs: false });
      if (phase !== 'kernel-install') await assertImageIntact(bytes);
      const next = await runModule('ltsp_image', args());
      assert.equal(next.code, 0, next.stdout);
      assert.equal(fs.existsSync(`${image}.tmp`), false);
      const prefix = workDirPrefix('fixture', box.images);
      assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(prefix)), [], 'stale work dirs');
      survived++;
    });
  }

  it('SIGKILL while a raw disk source is loop-mounted leaves no loop device', async () => {
    injected++;
    fs.appendFileSync(diskSource, Buffer.alloc(0));
    const run = startModule('ltsp_image', args({ name: diskSource, image_name: 'disk', force: true }), { LTSP_IMAGE_FAILPOINT: 'cleanup' });
    await run.reached('cleanup');
    const loops = (await execa('losetup', ['-a'])).stdout;
    assert.ok(loops.includes(diskSource), 'the disk is not loop-mounted at the cleanup phase');
    run.child.kill('SIGKILL');
    await run.child;
    await assertNothingLeaked(baseline, { workDirs: false });
    const next = await runModule('ltsp_image', args({ name: diskSource, image_name: 'disk' }));
    assert.equal(next.code, 0, next.stdout);
    const prefix = workDirPrefix('disk', box.images);
    assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(prefix)), [], 'stale work dirs');
    survived++;
  });

  it('SIGKILL while a qcow2 source is served and loop-mounted leaves no qemu-storage-daemon, mount or loop device', async () => {
    injected++;
    const qcow2 = path.join(box.scratch, 'disk.qcow2');
    await execa('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', diskSource, qcow2]);
    const digest = crypto.createHash('sha256').update(fs.readFileSync(qcow2)).digest('hex');
    const run = startModule('ltsp_image', args({ name: qcow2, image_name: 'qcow2' }), { LTSP_IMAGE_FAILPOINT: 'cleanup' });
    await run.reached('cleanup');
    const loops = (await execa('losetup', ['-a'])).stdout;
    assert.ok(loops.includes(qcow2), 'the served qcow2 is not loop-mounted at the cleanup phase');
    assert.ok((await hostSnapshot()).processes.some((p) => p.startsWith('qemu-storage-daemon')), 'no qemu-storage-daemon serves the qcow2');
    run.child.kill('SIGKILL');
    await run.child;
    await assertNothingLeaked(baseline, { workDirs: false });
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(qcow2)).digest('hex'), digest, 'the qcow2 was written');
    const next = await runModule('ltsp_image', args({ name: qcow2, image_name: 'qcow2' }));
    assert.equal(next.code, 0, next.stdout);
    await assertNothingLeaked(baseline, { workDirs: false });
    survived++;
  });

  it('SIGKILL in the middle of a revert swap: NAME.img stays, the next run completes the swap', async () => {
    injected++;
    const revert = startModule('ltsp_image_revert', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp }, { LTSP_IMAGE_FAILPOINT: 'revert-swap' });
    await revert.reached('revert-swap');
    revert.child.kill('SIGKILL');
    await revert.child;
    assert.ok(fs.existsSync(image));
    await execa('unsquashfs', ['-s', image]);
    const next = await runModule('ltsp_image_revert', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp });
    assert.equal(next.code, 0, next.stdout);
    assert.ok(fs.existsSync(`${image}.old`));
    assert.equal(fs.existsSync(`${image}.old.swap`), false);
    survived++;
  });

  it('SIGTERM stops mksquashfs, cleans up and fails with a message', async () => {
    injected++;
    const big = path.join(box.base, 'fixture/usr/lib/big');
    fs.mkdirSync(big, { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(big, `blob${i}`), Buffer.alloc(4 << 20, i));
    await settle();
    const bytes = fs.readFileSync(image);
    const run = startModule('ltsp_image', args({ mksquashfs_params: ['-comp', 'xz', '-processors', '1'] }));
    await waitForProcess(`mksquashfs .*${path.basename(image)}.tmp`);
    run.child.kill('SIGTERM');
    const done = await run.result();
    assert.equal(done.code, 1);
    assert.match(String(done.result.msg), /Interrupted by SIGTERM/);
    await assertNothingLeaked(baseline, { workDirs: false });
    await assertImageIntact(bytes);
    assert.equal(fs.existsSync(`${image}.tmp`), false);
    fs.rmSync(big, { recursive: true });
    survived++;
  });

  it('SIGTERM during the drift step stops it there: no build, nothing left, the lock free for the next run', async () => {
    injected++;
    fs.writeFileSync(path.join(box.base, 'fixture/etc/drift-marker'), `${Date.now()}\n`);
    await settle();
    const bytes = fs.readFileSync(image);
    const run = startModule('ltsp_image', args(), { LTSP_IMAGE_FAILPOINT: 'drift' });
    await run.reached('drift');
    run.child.kill('SIGTERM');
    const done = await run.result();
    assert.equal(done.code, 1, done.stdout);
    assert.equal(done.result.msg, 'Interrupted by SIGTERM; the previous image was left as it was (during the drift report)');
    await assertNothingLeaked(baseline);
    await assertImageIntact(bytes);
    const next = await runModule('ltsp_image', args({ lock_timeout: 0 }));
    assert.equal(next.result.reason, 'source_changed', next.stdout);
    assert.deepEqual((next.result.drift as { added_paths: string[] }).added_paths, ['etc/drift-marker']);
    survived++;
  });

  it('disk full on the images filesystem: no space and where, previous image intact, no tmp', async () => {
    injected++;
    const small = path.join(box.scratch, 'small');
    fs.mkdirSync(path.join(small), { recursive: true });
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      const smallBase = path.join(small, 'ltsp');
      fs.mkdirSync(path.join(smallBase, 'images'), { recursive: true });
      const source = path.join(box.scratch, 'incompressible');
      fs.mkdirSync(path.join(source, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(source, 'etc/blob'), crypto.randomBytes(512 * 1024));
      const run = await runModule('ltsp_image', { name: source, base_dir: smallBase, tftp_dir: box.tftp, image_name: 'full' });
      assert.equal(run.code, 1, run.stdout);
      assert.match(String(run.result.msg), new RegExp(`no space left on the filesystem of ${path.join(smallBase, 'images')}`));
      assert.deepEqual(fs.readdirSync(path.join(smallBase, 'images')).filter((n) => !n.startsWith('.')), []);
    } finally {
      await execa('umount', [small]);
    }
    survived++;
  });

  it('mksquashfs missing from PATH, or failing: a clear failure and nothing changed', async () => {
    injected += 2;
    await touchSource();
    const bytes = fs.readFileSync(image);
    const missing = await runModule('ltsp_image', args(), { env: { PATH: '/nonexistent' } });
    assert.equal(missing.code, 1);
    assert.match(String(missing.result.msg), /mksquashfs not found in PATH: install squashfs-tools/);
    // mksquashfs_params cannot make it fail (their values are checked first); a SOURCE_DATE_EPOCH it cannot read does.
    const failing = await runModule('ltsp_image', args(), { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    assert.equal(failing.code, 1);
    assert.match(String(failing.result.msg), /^mksquashfs failed \(exit 1\): .*SOURCE_DATE_EPOCH has invalid time value/);
    await assertImageIntact(bytes);
    survived += 2;
  });

  it('a source modified while mksquashfs runs is rebuilt by the next run', async () => {
    injected++;
    const big = path.join(box.base, 'fixture/usr/lib/big2');
    fs.mkdirSync(big, { recursive: true });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(big, `blob${i}`), Buffer.alloc(4 << 20, i));
    await settle();
    const run = startModule('ltsp_image', args({ mksquashfs_params: ['-comp', 'xz', '-processors', '1'] }));
    await waitForProcess(`mksquashfs .*${path.basename(image)}.tmp`);
    fs.writeFileSync(path.join(box.base, 'fixture/etc/changed-during-build'), 'x\n');
    const done = await run.result();
    assert.equal(done.code, 0, done.stdout);
    await settle();
    const next = await runModule('ltsp_image', args({ mksquashfs_params: ['-comp', 'xz', '-processors', '1'] }));
    assert.equal(next.result.reason, 'source_changed', next.stdout);
    assert.ok((next.result.drift as { added_paths: string[] }).added_paths.includes('etc/changed-during-build'));
    fs.rmSync(big, { recursive: true });
    survived++;
  });
});
