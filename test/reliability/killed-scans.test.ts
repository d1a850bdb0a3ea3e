// A SIGKILL while the box.source is scanned (#13 item 7) leaves temp files in the work dir and the box.images dir: the next run removes every one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitForOpen } from '../helpers/proc.js';
import { runModule } from '../helpers/run-module.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('runs killed while scanning leave nothing for good (#13 item 7)', function () {
  const box = useSandbox('killed-scans-', 'dir');
  let big: string;
  let kills = 0;
  let cleaned = 0;
  const args = (extra: Record<string, unknown> = {}) => ({
    name: box.source,
    image_name: 'scanned',
    base_dir: box.base,
    tftp_dir: box.tftp,
    compare: 'checksum',
    ...extra,
  });
  /** This image's temp files: work dirs (in TMPDIR, which other tests' images share) and files beside the image. */
  const leftovers = () => [
    ...fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('ltsp-image.scanned.') || n.startsWith('ltsp-image-info.scanned.')),
    ...fs.readdirSync(box.images).filter((n) => n.endsWith('.tmp')),
  ];
  const addHugeFile = () => {
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 64 * 2 ** 30);
  };

  before(async function () {
    big = path.join(box.source, 'etc/huge');
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'scanned\n');
    assert.equal((await runModule('ltsp_image', args())).code, 0);
  });
  afterEach(killStarted);
  after(async function () {
    process.stdout.write(`      killed scans: ${kills} kills, ${cleaned} cleaned up by the next run\n`);
  });

  it('ltsp_image killed while hashing: the work dir and the checksum cache temp go with the next run', async () => {
    kills++;
    // A changed file before the huge one: the checksum cache is written only from the first difference on (#17).
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'scanned again\n');
    addHugeFile();
    const run = startModule('ltsp_image', args());
    await waitForOpen(run.child.pid!, big, run.stderr);
    run.child.kill('SIGKILL');
    await run.child;
    const left = leftovers();
    assert.ok(left.some((n) => /^\.\.scanned\.checksums\.[0-9a-f]{12}\.tmp$/.test(n)), `the killed run had a checksum cache temp: ${left.join(' ')}`);
    assert.ok(left.some((n) => n.startsWith('ltsp-image.scanned.')), 'the killed run had a work dir');
    fs.rmSync(big);
    const next = await runModule('ltsp_image', args());
    assert.equal(next.code, 0, next.stdout);
    assert.doesNotMatch(JSON.stringify(next.result.warnings ?? []), /Could not remove/);
    assert.deepEqual(leftovers(), []);
    cleaned++;
  });

  it('ltsp_image_info killed while hashing: its work dir goes with the next info run', async () => {
    kills++;
    addHugeFile();
    const run = startModule('ltsp_image_info', { base_dir: path.join(box.scratch, 'ltsp'), tftp_dir: path.join(box.scratch, 'tftp') });
    await waitForOpen(run.child.pid!, big, run.stderr);
    run.child.kill('SIGKILL');
    await run.child;
    assert.ok(leftovers().some((n) => n.startsWith('ltsp-image-info.scanned.')), 'the killed run had a work dir');
    fs.rmSync(big);
    const next = await runModule('ltsp_image_info', { base_dir: path.join(box.scratch, 'ltsp'), tftp_dir: path.join(box.scratch, 'tftp') });
    assert.equal(next.code, 0, next.stdout);
    assert.deepEqual(leftovers(), []);
    cleaned++;
  });
});
