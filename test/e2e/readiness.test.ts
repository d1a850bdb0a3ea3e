// The readiness check on a real Debian 12 client tree (kernel, initramfs-tools, ltsp), mutated per case: what makes a boot impossible is never published.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cpioArchive } from '../../src/boot/cpio.js';
import { clientChroot } from '../helpers/boot/client-chroot.js';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { removeScratch } from '../helpers/tmp.js';

const OTHER_VERSION = '6.1.0-99-amd64';

function fingerprintOf(file: string): string {
  return `${fs.statSync(file).ino} ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

/** An initrd as initramfs-tools makes one (an uncompressed early archive, then a zstd one), for another kernel version. */
async function otherVersionInitrd(file: string): Promise<void> {
  const modules = ['kernel/fs/squashfs/squashfs.ko', 'kernel/fs/overlayfs/overlay.ko', 'kernel/drivers/block/loop.ko'];
  const early = cpioArchive([{ path: 'kernel/x86/microcode/AuthenticAMD.bin', content: 'microcode', mode: 0o644 }]);
  const main = cpioArchive(modules.map((m) => ({ path: `usr/lib/modules/${OTHER_VERSION}/${m}`, content: 'module', mode: 0o644 })));
  const compressed = await execa('zstd', ['-c'], { input: main, encoding: 'buffer' });
  fs.writeFileSync(file, Buffer.concat([early, Buffer.from(compressed.stdout)]));
}

describe('readiness: the cheap check every build gets before publishing (real Debian 12 client tree)', function () {
  let tree: string;
  const box = useSandbox('readiness-', 'none');
  let image: string;
  let version: string;

  const args = (extra: Record<string, unknown> = {}) => ({
    name: tree,
    image_name: 'client',
    base_dir: box.base,
    tftp_dir: box.tftp,
    // zstd level 1 and no usr/share keep each build short; the check reads the tree and the new image's superblock.
    mksquashfs_params: ['-comp', 'zstd', '-Xcompression-level', '1'],
    add_image_excludes: 'usr/share',
    ...extra,
  });
  /** What a refused build must leave exactly as it was. */
  const published = () =>
    Object.fromEntries(
      [image, `${image}.json`, path.join(box.tftp, 'ltsp/client/vmlinuz'), path.join(box.tftp, 'ltsp/client/initrd.img')].map((f) => [f, fingerprintOf(f)]),
    );
  const boot = (rel: string) => path.join(tree, 'boot', rel);

  /** Runs the build expecting a refusal that names `cause`, and checks nothing published moved. */
  async function assertRefused(cause: RegExp): Promise<void> {
    const before = published();
    const run = await runModule('ltsp_image', args());
    assertFailed(run, /^client: not published, previous image kept: the readiness check found what makes a client's boot impossible: /);
    assert.match(String(run.result.msg), cause);
    assert.equal(run.result.changed, false);
    assert.ok((run.result.readiness as { problems: string[] }).problems.length > 0, run.stdout);
    assert.deepEqual(published(), before, 'the published image, its state or the TFTP kernel changed');
    assert.equal(fs.existsSync(`${image}.tmp`), false);
  }

  before(async function () {
    this.timeout(40 * 60 * 1000);
    tree = await clientChroot();
    image = path.join(box.images, 'client.img');
    version = fs.readdirSync(path.join(tree, 'boot')).find((n) => n.startsWith('vmlinuz-'))!.slice('vmlinuz-'.length);
  });
  after(async () => {
    if (tree) await removeScratch(tree);
  });

  it('a good tree: published after checking kernel, initrd, modules, config, compressor and packages (timed); the missing sshfs is a warning', async function () {
    this.timeout(20 * 60 * 1000);
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 0, run.stdout);
    const readiness = run.result.readiness as { checked: string[]; problems: string[]; warnings: string[] };
    assert.deepEqual(readiness.checked, ['kernel', 'initrd', 'modules', 'config', 'compressor', 'packages']);
    assert.deepEqual(readiness.problems, []);
    assert.equal(readiness.warnings.length, 1, run.stdout);
    assert.match(readiness.warnings[0]!, /^sshfs is not installed in the image/);
    assert.ok((run.result.warnings as string[]).some((w) => w.startsWith('Readiness: sshfs is not installed')));
    assert.match(String(run.result.msg), /; readiness: 1 warning; to update the iPXE menu, run: ltsp ipxe$/);
    const seconds = (run.result.durations as Record<string, number>).readiness!;
    console.log(`      readiness facts read in ${seconds} s`);
    // Well under a second on an idle machine; the shared test machine runs other builds on its two cores.
    assert.ok(seconds < 2, `the check took ${seconds} s`);
    const info = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, name: 'client', drift: false });
    const shown = (info.result.images as { readiness: unknown }[])[0]!.readiness;
    assert.deepEqual(shown, readiness);
    assert.match(String(info.result.msg), /client: .*readiness: 1 warning/);
  });

  it('-comp zstd with a kernel config without CONFIG_SQUASHFS_ZSTD: refused, previous image kept; readiness: warn publishes it with the warning', async function () {
    this.timeout(20 * 60 * 1000);
    const config = boot(`config-${version}`);
    const original = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, original.replace(/^CONFIG_SQUASHFS_ZSTD=y$/m, '# CONFIG_SQUASHFS_ZSTD is not set'));
    try {
      await assertRefused(new RegExp(`kernel ${version} has no CONFIG_SQUASHFS_ZSTD \\(boot/config-${version}\\): it cannot read an image made with -comp zstd`));
      const warned = await runModule('ltsp_image', args({ readiness: 'warn' }));
      assert.equal(warned.code, 0, warned.stdout);
      assert.equal(warned.result.changed, true);
      assert.ok((warned.result.warnings as string[]).some((w) => /^Readiness: kernel \S+ has no CONFIG_SQUASHFS_ZSTD/.test(w)), warned.stdout);
    } finally {
      fs.writeFileSync(config, original);
    }
  });

  it('an initrd of another kernel version: refused, previous image kept', async function () {
    this.timeout(20 * 60 * 1000);
    const initrd = boot(`initrd.img-${version}`);
    fs.renameSync(initrd, `${initrd}.real`);
    try {
      await otherVersionInitrd(initrd);
      await assertRefused(new RegExp(`the initrd \\S+ is for kernel ${OTHER_VERSION}, not for \\S+ \\(${version}\\)`));
    } finally {
      fs.renameSync(`${initrd}.real`, initrd);
    }
  });

  it('a kernel-less tree: refused (it has lib/modules); with kernel: false it is published', async function () {
    this.timeout(20 * 60 * 1000);
    const kernels = fs.readdirSync(path.join(tree, 'boot')).filter((n) => n.startsWith('vmlinuz-'));
    const aside = path.join(box.scratch, 'kernels');
    fs.mkdirSync(aside);
    kernels.forEach((k) => fs.renameSync(boot(k), path.join(aside, k)));
    try {
      await assertRefused(/no kernel and initrd found in the image, though it has lib\/modules\/\S+: clients cannot boot it/);
      const run = await runModule('ltsp_image', args({ kernel: false }));
      assert.equal(run.code, 0, run.stdout);
      assert.deepEqual((run.result.readiness as { checked: string[] }).checked, ['packages']);
    } finally {
      kernels.forEach((k) => fs.renameSync(path.join(aside, k), boot(k)));
    }
  });

  it('a tree whose dpkg status lacks ltsp: published with a warning that names it', async function () {
    this.timeout(20 * 60 * 1000);
    const statusFile = path.join(tree, 'var/lib/dpkg/status');
    const status = fs.readFileSync(statusFile, 'utf8');
    fs.writeFileSync(statusFile, status.replace(/^Package: ltsp\n[\s\S]*?\n\n/m, ''));
    try {
      const run = await runModule('ltsp_image', args());
      assert.equal(run.code, 0, run.stdout);
      const readiness = run.result.readiness as { problems: string[]; warnings: string[] };
      assert.deepEqual(readiness.problems, []);
      assert.ok(readiness.warnings.some((w) => /^the ltsp package is not installed in the image/.test(w)), run.stdout);
    } finally {
      fs.writeFileSync(statusFile, status);
    }
  });

  it('ltsp removed with dpkg -r: its initramfs hook goes too, the rebuilt initrd lacks squashfs.ko, so it is refused', async function () {
    this.timeout(20 * 60 * 1000);
    await execa('chroot', [tree, 'dpkg', '-r', 'ltsp'], { stdin: 'ignore' });
    await assertRefused(/the initrd \S+ lacks squashfs\.ko \(CONFIG_SQUASHFS=m\): the client cannot mount the squashfs image/);
  });

  it('a tree with no kernel installed (no lib/modules: the test fixture, whose vmlinuz is random bytes) is not judged: nothing checked, no warning', async () => {
    await makeChrootFixture(path.join(box.base, 'fixture'));
    const run = await runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp });
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(run.result.readiness, { checked: [], problems: [], warnings: [] });
    assert.equal(run.result.warnings, undefined, run.stdout);
    assert.doesNotMatch(String(run.result.msg), /ready/);
  });

  it('check mode builds nothing, so it checks nothing: the message says a readiness check would run (not with readiness: off)', async () => {
    await makeChrootFixture(path.join(box.base, 'dry'));
    const checked = await runModule('ltsp_image', { name: 'dry', base_dir: box.base, tftp_dir: box.tftp, _ansible_check_mode: true });
    // The package clause ("1 package": the fixture's dpkg status) comes before it.
    assert.match(String(checked.result.msg), /^Would build .*dry\.img: missing, there is no image yet; (\d+ packages?|packages unknown[^;]*); a readiness check would run before publishing$/);
    assert.equal(checked.result.readiness, undefined);
    const off = await runModule('ltsp_image', { name: 'dry', base_dir: box.base, tftp_dir: box.tftp, readiness: 'off', _ansible_check_mode: true });
    assert.doesNotMatch(String(off.result.msg), /readiness check/);
  });

  it('readiness: off checks nothing and reports nothing', async function () {
    this.timeout(20 * 60 * 1000);
    const run = await runModule('ltsp_image', args({ readiness: 'off', force: true }));
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.readiness, undefined);
    assert.equal((run.result.durations as Record<string, number>).readiness, undefined);
  });
});
