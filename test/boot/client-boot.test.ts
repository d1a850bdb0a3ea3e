// An image is only right if a client boots from it: QEMU netboots ltsp_image's image through LTSP's own initramfs, and the client checks the image.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { addNormalUser, clientChroot, NORMAL_USER, setRootHash } from '../helpers/boot/client-chroot.js';
import { clientConfigFiles } from '../../src/boot/client-config.js';
import { writeCpio } from '../../src/boot/cpio.js';
import { bootClient, type BootResult } from '../../src/boot/qemu.js';
import { ltspInitrd, SERVER_ACCOUNTS } from '../helpers/boot/initrd.js';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { removeScratch } from '../helpers/tmp.js';

// TCG boots take 70-80 s on an idle machine of this kind, and above 200 s when other builds load its two cores.
const BOOT_TIMEOUT_MS = 480_000;
const TEST_TIMEOUT_MS = BOOT_TIMEOUT_MS + 10 * 60 * 1000;
// mksquashfs' default gzip -9 takes about 190 s of CPU for this 700 MB tree, zstd level 3 about 4 s for the same size:
// the boot is what is tested here, and LTSP clients mount either (Debian's kernel has both).
const MKSQUASHFS_PARAMS = ['-comp', 'zstd', '-Xcompression-level', '3'];
const LAYER = '/run/initramfs/ltsp/0/looproot';
const CHECKS = path.join(projectRoot, 'test/helpers/boot/image-layer-check.sh');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the client found wrong in the raw image layer, as words for the verdict line; empty when clean. */
function layerFindings(markers: Map<string, string>): string[] {
  const found: [string, string][] = [
    ['normal users', markers.get('normal_users') ?? '?'],
    ['home entries', markers.get('home_entries') ?? '?'],
    ['password hashes', markers.get('shadow_hashes') ?? '?'],
    ['group passwords', markers.get('gshadow_passwords') ?? '?'],
  ];
  return found.filter(([, value]) => value !== '').map(([what, value]) => `${what} ${value}`);
}

function verdict(result: BootResult): string {
  if (!result.reached) return `boot: multi-user.target NOT reached (${result.ended}, ${result.seconds} s, ${result.accel})`;
  const findings = layerFindings(result.markers);
  const layer = findings.length === 0 ? 'image layer clean' : `image layer holds ${findings.join('; ')}`;
  return `boot: multi-user.target reached in ${result.seconds.toFixed(1)} s (${result.accel}), ${layer}`;
}

describe('a client boots the image through LTSP (QEMU)', function () {
  let tree: string;
  const box = useSandbox('boot-', 'none');
  let ltspImg: string;
  let etcLtsp: string;

  before(async function () {
    // The first run debootstraps a kernel and LTSP (a few hundred MB); later runs extract the cached tarball.
    this.timeout(40 * 60 * 1000);
    tree = await clientChroot();
    await addNormalUser(tree);
    ltspImg = await ltspInitrd(box.tftp, box.scratch);
    const checks = await fs.readFile(CHECKS, 'utf8');
    etcLtsp = writeCpio(clientConfigFiles({ ...SERVER_ACCOUNTS, checks }), path.join(box.scratch, 'etc-ltsp.cpio'));
    await build('client');
  });
  after(async () => {
    if (tree) await removeScratch(tree);
  });

  async function build(imageName: string): Promise<void> {
    const run = await runModule('ltsp_image', {
      name: tree,
      image_name: imageName,
      base_dir: box.base,
      tftp_dir: box.tftp,
      mksquashfs_params: MKSQUASHFS_PARAMS,
    });
    assert.equal(run.code, 0, run.stdout);
  }

  /** Boots the image, and checks that QEMU is gone and nothing of the run is left in the scratch dir. */
  async function boot(imageName: string, timeoutMs = BOOT_TIMEOUT_MS): Promise<BootResult> {
    const before = new Set(await fs.readdir(box.scratch));
    const kernel = path.join(box.tftp, 'ltsp', imageName);
    const result = await bootClient({
      kernel: path.join(kernel, 'vmlinuz'),
      initrds: [ltspImg, etcLtsp, path.join(kernel, 'initrd.img')],
      image: path.join(box.images, `${imageName}.img`),
      imageName,
      timeoutMs,
      workDir: box.scratch,
    });
    assert.equal(alive(result.pid), false, `QEMU (pid ${result.pid}) is still running`);
    assert.deepEqual((await fs.readdir(box.scratch)).filter((name) => !before.has(name)), [], 'the boot left files behind');
    return result;
  }

  function assertBootedClean(result: BootResult, imageName: string): void {
    const context = `\n${[...result.markers].map(([k, v]) => `${k}=${v}`).join('\n')}\n--- console tail ---\n${result.consoleTail}`;
    assert.ok(result.reached, `the client did not reach multi-user.target (${result.ended})${context}`);
    assert.equal(result.ended, 'done', `the client's checks did not finish${context}`);
    const marker = (key: string): string | undefined => result.markers.get(key);
    assert.equal(marker('root_fstype'), 'overlay', `/ is not an overlay${context}`);
    assert.equal(marker('root_lowerdir'), LAYER, `/ is not overlaid on the image layer${context}`);
    assert.equal(marker('layer_fstype'), 'squashfs', `the image layer is not the squashfs${context}`);
    assert.match(marker('layer_backing_file') ?? '', new RegExp(`/images/${imageName}\\.img$`), `the image layer is not ${imageName}.img${context}`);
    assert.equal(marker('checks_exit'), undefined, `the client's checks failed${context}`);
    assert.equal(marker('normal_users'), '', `normal users in the image's passwd${context}`);
    assert.equal(marker('home_entries'), '', `home directories in the image${context}`);
    assert.notEqual(marker('shadow_accounts'), '0', `the image's shadow is empty${context}`);
    assert.equal(marker('shadow_hashes'), '', `password hashes in the image's shadow${context}`);
    assert.equal(marker('gshadow_passwords'), '', `group passwords in the image's gshadow${context}`);
  }

  it(`boots a chroot with a normal user (${NORMAL_USER.name}, home and password hash) to multi-user.target, and the image holds neither`, async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const result = await boot('client');
    console.log(`      ${verdict(result)}`);
    assertBootedClean(result, 'client');
  });

  it('stops a boot that runs out of time: QEMU killed, its files removed, the console tail kept', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    const result = await boot('client', 20_000);
    assert.equal(result.reached, false);
    assert.equal(result.ended, 'timeout after 20 s');
    // The kernel's own lines, timestamped: the tail is what QEMU printed before it was killed.
    assert.match(result.consoleTail, /^\[\s*\d+\.\d+\] /m, result.consoleTail);
  });

  it('boots the same chroot with a root password set, and no password hash reaches the image', async function () {
    this.timeout(TEST_TIMEOUT_MS);
    await setRootHash(tree);
    await build('client-rootpw');
    const result = await boot('client-rootpw');
    console.log(`      ${verdict(result)}`);
    assertBootedClean(result, 'client-rootpw');
  });
});
