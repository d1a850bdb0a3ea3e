// What boot_check needs is checked before anything is built: each missing piece is one line naming the fix, and nothing changes on disk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

/** A PATH dir holding links to every command of the system dirs but QEMU's, as on a server without qemu-system-x86. */
function pathWithoutQemu(dir: string): string {
  fs.mkdirSync(dir);
  for (const system of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!fs.existsSync(system)) continue;
    for (const name of fs.readdirSync(system)) {
      if (name.startsWith('qemu-system-') || fs.existsSync(path.join(dir, name))) continue;
      fs.symlinkSync(path.join(system, name), path.join(dir, name));
    }
  }
  return dir;
}

describe('boot_check requirements', function () {
  const box = useSandbox('boot-input-', 'chroot');
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, boot_check: true, ...extra });


  it('without ltsp.img: names the file and `ltsp initrd`, builds nothing', async () => {
    const run = await runModule('ltsp_image', args());
    assertFailed(run, new RegExp(`^Option boot_check: ${box.tftp}/ltsp/ltsp\\.img is missing \\(LTSP clients load it first\\); create it with: ltsp --tftp-dir=${box.tftp} initrd$`));
    assert.equal(fs.existsSync(box.images), false);
  });

  it('without qemu-system-x86_64: names the package qemu-system-x86, builds nothing', async () => {
    fs.mkdirSync(path.join(box.tftp, 'ltsp'), { recursive: true });
    fs.writeFileSync(path.join(box.tftp, 'ltsp/ltsp.img'), 'stands in for ltsp initrd output\n');
    const bin = pathWithoutQemu(path.join(box.scratch, 'bin'));
    const run = await runModule('ltsp_image', args(), { env: { PATH: bin } });
    assertFailed(run, /^Option boot_check: qemu-system-x86_64 not found in PATH; install the package qemu-system-x86 /);
    assert.equal(fs.existsSync(box.images), false);
    // The same for ltsp_image_info, before any image is looked at.
    const info = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, boot_check: true }, { env: { PATH: bin } });
    assertFailed(info, /^Option boot_check: qemu-system-x86_64 not found in PATH; install the package qemu-system-x86 /);
  });

  it('with kernel: false: the check boots the image\'s own kernel, so the pair is refused', async () => {
    const run = await runModule('ltsp_image', args({ kernel: false }));
    assertFailed(run, /^Option boot_check boots the image's own kernel: it needs kernel: true$/);
    assert.equal(fs.existsSync(box.images), false);
  });

  it('a directory where a failed image would be kept (NAME.img.failed): refused before anything is built', async () => {
    const failed = path.join(box.base, 'images/fixture.img.failed');
    fs.mkdirSync(failed, { recursive: true, mode: 0o700 });
    try {
      const run = await runModule('ltsp_image', args());
      assertFailed(run, new RegExp(`^Option boot_check keeps an image that fails to boot as ${failed}, but that is a directory; remove it or move it away$`));
      assert.deepEqual(fs.readdirSync(box.images), ['fixture.img.failed']);
    } finally {
      fs.rmdirSync(failed);
      fs.rmdirSync(box.images);
    }
  });

  it('check mode with the requirements met says a boot check would run and boots nothing', async () => {
    const run = await runModule('ltsp_image', { ...args(), _ansible_check_mode: true });
    assert.equal(run.code, 0, run.stdout);
    assert.match(String(run.result.msg), /; a readiness check and a boot check would run before publishing$/);
    assert.equal(run.result.boot, undefined);
    assert.equal(fs.existsSync(box.images), false);
  });
});
