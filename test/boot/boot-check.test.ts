// boot_check publishes only what boots: a real Debian 12 chroot with kernel and LTSP is booted in QEMU before publishing, a broken one never replaces it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { workDirPrefix } from '../../src/layout/work-dir.js';
import { clientChroot } from '../helpers/boot/client-chroot.js';
import { ltspInitrd } from '../helpers/boot/initrd.js';
import { hostSnapshot, type HostSnapshot } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { removeScratch, RUN_MARK } from '../helpers/tmp.js';
import { waitFor } from '../helpers/settle.js';

// TCG boots take 70-80 s on an idle machine of this kind, and above 200 s when other builds load its two cores.
const BOOT_TIMEOUT_S = 480;
const TEST_TIMEOUT_MS = (BOOT_TIMEOUT_S + 600) * 1000;
const HANG_TIMEOUT_S = 60;
// zstd level 3: seconds instead of gzip's minutes for this 700 MB tree; LTSP clients mount either.
const MKSQUASHFS_PARAMS = ['-comp', 'zstd', '-Xcompression-level', '3'];

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** QEMU (and its setpriv) started by this test process's runs, found by the run mark in their environment. */
function ourQemus(): number[] {
  const mark = Buffer.from(`${RUN_MARK}=${process.env[RUN_MARK]}\0`);
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system-x86_64') && fs.readFileSync(`/proc/${pid}/environ`).includes(mark);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every entry under dir with its inode, size and times (ctime moves on any write, link or chmod). */
function statTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((name) => {
    const st = fs.lstatSync(path.join(dir, name));
    return `${name} ${st.ino} ${st.size} ${st.mtimeMs} ${st.ctimeMs}`;
  });
}

describe('boot_check: an image is published only when a client boots it (QEMU)', function () {
  let tree: string;
  const box = useSandbox('boot-check-', 'none');
  let image: string;
  let baseline: HostSnapshot;

  const args = (extra: Record<string, unknown> = {}) => ({
    name: tree,
    image_name: 'client',
    base_dir: box.base,
    tftp_dir: box.tftp,
    mksquashfs_params: MKSQUASHFS_PARAMS,
    boot_check: true,
    boot_timeout: BOOT_TIMEOUT_S,
    ...extra,
  });
  /** What a failed boot check must leave exactly as it was. */
  const published = () =>
    Object.fromEntries(
      [image, `${image}.json`, `${image}.old`, `${image}.old.json`, path.join(box.tftp, 'ltsp/client/vmlinuz'), path.join(box.tftp, 'ltsp/client/initrd.img')]
        .filter((f) => fs.existsSync(f))
        .map((f) => [f, `${fs.statSync(f).ino} ${sha256(f)}`]),
    );

  before(async function () {
    // The first run debootstraps a kernel and LTSP (a few hundred MB); later runs extract the cached tarball.
    this.timeout(40 * 60 * 1000);
    tree = await clientChroot();
    image = path.join(box.images, 'client.img');
    await ltspInitrd(box.tftp, box.scratch);
    baseline = await hostSnapshot();
  });
  afterEach(killStarted);
  after(async () => {
    if (tree) await removeScratch(tree);
  });

  it('publishes a good image once the client reaches multi-user.target, and reports the boot', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const metrics = path.join(box.scratch, 'client.prom');
    const run = await runModule('ltsp_image', args({ metrics_file: metrics }));
    assert.equal(run.code, 0, run.stdout);
    const boot = run.result.boot as { accel: string; seconds: number; reached: boolean; ended: string; console_tail: string };
    console.log(`      boot check: multi-user.target reached in ${boot.seconds} s (${boot.accel})`);
    assert.equal(run.result.changed, true);
    assert.equal(boot.reached, true, boot.console_tail);
    assert.equal(boot.ended, 'done');
    assert.match(boot.accel, /^(kvm|tcg)$/);
    assert.ok(boot.seconds > 0 && boot.seconds < BOOT_TIMEOUT_S);
    assert.match(boot.console_tail, /ltsp-boot-check: multi-user\.target=active/);
    assert.ok(fs.existsSync(image));
    assert.ok(fs.existsSync(path.join(box.tftp, 'ltsp/client/vmlinuz')));
    assert.equal(fs.existsSync(`${image}.failed`), false);
    assert.ok((run.result.durations as Record<string, number>).boot! > 0);
    assert.match(fs.readFileSync(metrics, 'utf8'), /^ltsp_image_boot_check_seconds\{image="client"\} \d+(\.\d+)?$/m);
    await assertNoLeftovers();
  });

  it('turning boot_check on for an unchanged image neither rebuilds nor boots', async () => {
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.changed, false);
    assert.equal(run.result.reason, 'up_to_date');
    assert.equal(run.result.boot, undefined);
  });

  it('ltsp_image_info with boot_check boots the published image and writes nothing under the images dir or TFTP', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const before = [...statTree(box.images), ...statTree(box.tftp)];
    const run = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, name: 'client', drift: false, boot_check: true, boot_timeout: BOOT_TIMEOUT_S });
    assert.equal(run.code, 0, run.stdout);
    type Checked = { at: string; seconds: number; accel: string } | null;
    const shown = (run.result.images as { boot: { reached: boolean; seconds: number; accel: string; console_tail: string }; boot_checked: Checked; history: { boot_checked: Checked }[] }[])[0]!;
    const boot = shown.boot;
    console.log(`      info boot check: multi-user.target reached in ${boot.seconds} s (${boot.accel})`);
    // The history says which build passed a boot check before it was published: the active one did.
    assert.ok(shown.boot_checked, 'the active image was published after its boot check');
    assert.deepEqual(shown.history[0]?.boot_checked, shown.boot_checked);
    assert.equal(boot.reached, true, boot.console_tail);
    assert.match(String(run.result.msg), /, 0 failed the boot check$/m);
    assert.match(String(run.result.msg), /^client: generation \d+, built .* boot-checked in [\d.]+ s \((kvm|tcg)\), boots now/m);
    assert.deepEqual([...statTree(box.images), ...statTree(box.tftp)], before, 'info wrote under the images dir or TFTP');
    assert.deepEqual(fs.readdirSync(process.env.TMPDIR!).filter((n) => n.startsWith('ltsp-image-info.')), [], 'info work dirs left');
    assert.deepEqual(ourQemus(), []);
  });

  it('a chroot whose init cannot start fails fast: previous image, state and TFTP kernel byte-identical, console tail reported, NAME.img.failed kept', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    breakInit();
    const before = published();
    const run = await runModule('ltsp_image', args());
    assertFailed(run, /^Boot check failed: the client did not reach multi-user\.target \(kernel panic: Kernel panic - not syncing: Attempted to kill init!.*the new one is kept as .*client\.img\.failed; see boot\.console_tail$/);
    const boot = run.result.boot as { seconds: number; reached: boolean; console_tail: string };
    console.log(`      boot check: failed in ${boot.seconds} s`);
    assert.equal(boot.reached, false);
    assert.ok(boot.seconds < BOOT_TIMEOUT_S, `${boot.seconds} s`);
    assert.match(boot.console_tail, /Kernel panic - not syncing/);
    assert.deepEqual(published(), before, 'the published image, its state or the TFTP kernel changed');
    await execa('unsquashfs', ['-s', `${image}.failed`]);
    assert.equal(fs.existsSync(`${image}.tmp`), false);
    // Clients (*.img), ltsp_image_info and the generations never see the failed image.
    const info = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, drift: false });
    assert.deepEqual((info.result.images as { name: string }[]).map((i) => i.name), ['client']);
    assert.equal((info.result.images as { generations: unknown[] }[])[0]!.generations.length, 1);
    await assertNoLeftovers();
  });

  it('the state a boot check rejected is refused by any run without boot_check (check mode too); a changed source is published and prunes NAME.img.failed', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const before = published();
    const verdict = JSON.parse(fs.readFileSync(`${image}.failed.json`, 'utf8')) as { ended: string };
    assert.match(verdict.ended, /^kernel panic: /);
    for (const check of [{ _ansible_check_mode: true }, {}]) {
      const run = await runModule('ltsp_image', { ...args({ boot_check: false }), ...check });
      assertFailed(run, /^client: not published: this source and configuration failed the boot check at \S+ \(kernel panic: .*force: true to publish them unchecked; the image it builds is kept as \S+client\.img\.failed$/);
      assert.equal(run.result.changed, false);
      assert.equal(run.result.reason, 'rejected');
      assert.equal(run.result.pending, 'source_changed');
      assert.deepEqual(published(), before);
    }
    // The admin changes the source and publishes it without a check: the rejected image and its record describe nothing now.
    fs.writeFileSync(path.join(tree, 'etc/ltsp-boot-check-test'), 'changed\n');
    const run = await runModule('ltsp_image', args({ boot_check: false }));
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.reason, 'source_changed');
    assert.equal(fs.existsSync(`${image}.failed`), false);
    assert.equal(fs.existsSync(`${image}.failed.json`), false);
    await assertNoLeftovers();
  });

  it('a boot that outlasts boot_timeout fails at the timeout, QEMU killed, with the console tail so far', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    // An init that never finishes, so the boot ends at the timeout, whatever the load: the kernel has long printed
    // its first lines after a minute, even on two cores shared with other builds (they take 1-3 s on an idle machine).
    hangInit();
    try {
      const before = published();
      const run = await runModule('ltsp_image', args({ boot_timeout: HANG_TIMEOUT_S }));
      assertFailed(run, new RegExp(`^Boot check failed: the client did not reach multi-user\\.target \\(timeout after ${HANG_TIMEOUT_S} s; ${HANG_TIMEOUT_S}(\\.\\d)? s, (kvm|tcg)\\)`));
      const boot = run.result.boot as { seconds: number; ended: string; console_tail: string };
      assert.equal(boot.ended, `timeout after ${HANG_TIMEOUT_S} s`);
      // The kernel's own timestamped lines: what the client printed before it was stopped.
      assert.match(boot.console_tail, /^\[\s*\d+\.\d+\] /m);
      assert.deepEqual(published(), before);
      await assertNoLeftovers();
    } finally {
      breakInit();
    }
  });

  it("a chroot without sbin/init fails at LTSP's own boot error, with the line that says why", async function () {
    this.timeout(TEST_TIMEOUT_MS);
    fs.rmSync(path.join(tree, 'sbin/init'));
    try {
      const before = published();
      const run = await runModule('ltsp_image', args());
      assertFailed(run, /^Boot check failed: the client did not reach multi-user\.target \(LTSP boot error: .*sbin\/init.* \.\.\. LTSP boot error! Enable DEBUG_SHELL to troubleshoot!/);
      const boot = run.result.boot as { seconds: number; console_tail: string };
      console.log(`      boot check: LTSP boot error found in ${boot.seconds} s`);
      assert.ok(boot.seconds < BOOT_TIMEOUT_S, `${boot.seconds} s`);
      assert.deepEqual(published(), before);
      await assertNoLeftovers();
    } finally {
      breakInit();
    }
  });

  it('SIGTERM during the boot stops QEMU and fails with the signal named; nothing is published or kept', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const before = published();
    const failed = `${fs.statSync(`${image}.failed`).ino}`;
    const run = startModule('ltsp_image', args());
    await waitFor(() => ourQemus().length > 0 || run.child.exitCode !== null, 'QEMU to start', 10 * 60 * 1000);
    run.child.kill('SIGTERM');
    const done = await run.result();
    assertFailed(done, /^Interrupted by SIGTERM; the previous image was left as it was \(during the boot check\)$/);
    assert.deepEqual(published(), before);
    assert.equal(`${fs.statSync(`${image}.failed`).ino}`, failed, 'an interrupted check is no failed boot');
    await assertNoLeftovers();
  });

  it('SIGKILL of the module during the boot leaves no QEMU, mount or temp file; the next failure replaces NAME.img.failed', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const before = published();
    const failedIno = fs.statSync(`${image}.failed`).ino;
    const run = startModule('ltsp_image', args());
    await waitFor(() => ourQemus().length > 0 || run.child.exitCode !== null, 'QEMU to start', 10 * 60 * 1000);
    assert.equal(run.child.exitCode, null, `the module ended before QEMU started: ${run.stderr()}`);
    run.child.kill('SIGKILL');
    await run.child;
    await waitFor(() => ourQemus().length === 0, 'QEMU to die with the module', 30_000);
    const after = await hostSnapshot();
    assert.deepEqual(after.processes, baseline.processes, 'a process was left');
    assert.deepEqual(after.mounts, baseline.mounts, 'a mount was left');
    assert.deepEqual(after.loops, baseline.loops, 'a loop device was left');
    assert.deepEqual(published(), before, 'the killed run changed the published image');
    // The killed run's work dir (its boot disk inside) and NAME.img.tmp are the next run's to remove, under the lock.
    const next = await runModule('ltsp_image', args());
    assertFailed(next, /^Boot check failed: /);
    assert.notEqual(fs.statSync(`${image}.failed`).ino, failedIno, 'NAME.img.failed was not replaced');
    assert.deepEqual(published(), before);
    await assertNoLeftovers();
  });

  function replaceInit(script: string): void {
    const init = path.join(tree, 'sbin/init');
    fs.rmSync(init, { force: true });
    fs.writeFileSync(init, script, { mode: 0o755 });
  }

  /** /sbin/init exits at once: LTSP's init hands over to it, PID 1 dies and the kernel panics. */
  function breakInit(): void {
    replaceInit('#!/bin/sh\necho "this init cannot start a system"\nexit 1\n');
  }

  /** /sbin/init never ends and never starts anything: the boot neither completes nor fails. */
  function hangInit(): void {
    replaceInit('#!/bin/sh\necho "this init waits forever"\nexec sleep 1000000\n');
  }

  async function assertNoLeftovers(): Promise<void> {
    assert.deepEqual(ourQemus(), [], 'QEMU still runs');
    const prefix = workDirPrefix('client', box.images);
    assert.deepEqual(fs.readdirSync(process.env.TMPDIR!).filter((n) => n.startsWith(prefix)), [], 'work dirs left');
    assert.deepEqual(fs.readdirSync(box.images).filter((n) => n.endsWith('.tmp')), [], 'temp files left');
  }
});
