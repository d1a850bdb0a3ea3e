// Sources that fight back: a file swapped for a FIFO never blocks and SIGTERM stops the hashing of a huge file at once (#13 item 3); a sparse 2 GB kernel is refused (item 10).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { waitForOpen } from '../helpers/proc.js';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('hostile sources (#13 items 3, 10)', function () {
  const box = useSandbox('hostile-source-', 'dir');
  let cases = 0;
  let stopped = 0;
  afterEach(killStarted);
  after(async function () {
    process.stdout.write(`      hostile source: ${cases} cases, ${stopped} stopped cleanly\n`);
  });

  it('a regular file swapped for a FIFO before it is hashed: the open does not block, the walk sees the tree changed', async () => {
    cases++;
    const fifo = path.join(box.scratch, 'was-a-file');
    await execa('mkfifo', [fifo]);
    // In a child: a blocking open would hang the test process itself.
    const script = `import { sha256TreeFile } from ${JSON.stringify(path.join(projectRoot, 'dist/src/fingerprint/checksum-cache.js'))};
      sha256TreeFile(Buffer.from(process.argv[1])).then(() => console.log('hashed'), (e) => console.log(e.name + ': ' + e.message));`;
    const child = await execa(process.execPath, ['--input-type=module', '-e', script, fifo], { reject: false, timeout: 20000 });
    assert.equal(child.timedOut, false, 'opening the FIFO blocked');
    assert.match(String(child.stdout), /^TreeChangedError: the source tree changed while it was being read: .*was-a-file is no longer a regular file$/);
    stopped++;
  });

  it('a sparse 2 GB vmlinuz (#13 item 10): refused before anything is copied densely to the work dir or TFTP', async () => {
    cases++;
    const source = path.join(box.scratch, 'sparse-kernel');
    fs.mkdirSync(path.join(source, 'boot'), { recursive: true });
    const vmlinuz = path.join(source, 'boot/vmlinuz-6.1.0-99-amd64');
    fs.writeFileSync(vmlinuz, '');
    fs.truncateSync(vmlinuz, 2 * 2 ** 30);
    fs.writeFileSync(path.join(source, 'boot/initrd.img-6.1.0-99-amd64'), 'initrd');
    const tftp = path.join(box.scratch, 'sparse-tftp');
    // Kept out of the image (mksquashfs would read 2 GB of zeros), the kernel search still finds it in the tree.
    const run = await runModule('ltsp_image', { name: source, image_name: 'sparse', base_dir: box.base, tftp_dir: tftp, add_image_excludes: 'boot/vmlinuz-*' });
    assert.equal(run.code, 1, run.stdout);
    assert.match(String(run.result.msg), /^The kernel's boot\/vmlinuz-6\.1\.0-99-amd64 in the image is 2\.1 GB, more than the .* a real one can be; replace it in the source or set kernel: false$/);
    assert.equal(fs.existsSync(path.join(tftp, 'ltsp/sparse/vmlinuz')), false);
    assert.equal(fs.existsSync(path.join(box.images, 'sparse.img')), false, 'nothing was published');
    stopped++;
  });

  it('SIGTERM while a 64 GB (sparse) file is hashed: the run stops within seconds, frees its lock and leaves nothing', async () => {
    cases++;
    const big = path.join(box.source, 'etc/huge');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 64 * 2 ** 30);
    const args = { name: box.source, image_name: 'hostile', base_dir: box.base, tftp_dir: box.tftp, compare: 'checksum' };
    const before = await hostSnapshot();
    const run = startModule('ltsp_image', args);
    await waitForOpen(run.child.pid!, big, run.stderr);
    const killedAt = Date.now();
    run.child.kill('SIGTERM');
    const done = await run.result();
    const took = Date.now() - killedAt;
    assert.equal(done.code, 1, done.stdout);
    assert.match(String(done.result.msg), /Interrupted by SIGTERM/);
    assert.ok(took < 15000, `SIGTERM took ${took} ms to stop the hashing (the whole file takes minutes)`);
    await assertNothingLeaked(before);
    fs.rmSync(big);
    const next = await runModule('ltsp_image', { ...args, lock_timeout: 0 });
    assert.equal(next.code, 0, `the lock was left held: ${next.stdout}`);
    stopped++;
  });
});
