// A failure after the new image was published (#13 item 4) says changed: true and what was published, so handlers still run; the next run repairs it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';

/** Writes until the filesystem is full. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
}

describe('failures after publishing (#13 item 4)', function () {
  const box = useSandbox('after-publish-', 'chroot');
  let cases = 0;
  let reported = 0;
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });

  before(async function () {
    fs.mkdirSync(box.tftp);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', box.tftp]);
  });
  after(async function () {
    process.stdout.write(`      after publish: ${cases} failures, ${reported} reported as changed and repaired\n`);
  });

  it('a full TFTP filesystem: changed, the published image and generation named, and the next run installs the kernel', async () => {
    cases++;
    const filler = path.join(box.tftp, 'filler');
    fill(filler);
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.result.failed, true);
    assert.equal(run.result.changed, true, 'the image was published: the run changed the system');
    assert.match(String(run.result.msg), /^Published .*fixture\.img, but installing its kernel to TFTP failed: .*ENOSPC.*; fix that and run again/);
    assert.equal(run.result.image, path.join(box.base, 'images/fixture.img'));
    assert.equal(run.result.generation, 1);
    assert.equal(run.result.reason, 'missing');
    assert.ok(fs.existsSync(path.join(box.base, 'images/fixture.img')));
    fs.rmSync(filler);
    await settle();
    const next = await runModule('ltsp_image', args());
    assert.equal(next.code, 0, next.stdout);
    assert.equal(next.result.reason, 'kernel', 'the next run repairs TFTP instead of saying up_to_date');
    assert.ok(fs.statSync(path.join(box.tftp, 'ltsp/fixture/vmlinuz')).isFile());
    reported++;
  });
});
