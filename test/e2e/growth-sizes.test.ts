// The growth report's top-level directory sizes come from the source walk, not from listing the new image: they must be what the image lists.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { topLevelSizes } from '../../src/packages/growth.js';
import { runModule } from '../helpers/run-module.js';
import { settle, walkRecordAged } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';
import { runTraced } from '../helpers/strace.js';

/** A listing of the image by unsquashfs (what the build no longer needs when its walk summed the sizes). */
const LISTING = /execve\("[^"]*\/unsquashfs", \["unsquashfs", "-lln", "-d", ""/;
/** Listings that ran: execve also fails once per PATH directory before it finds unsquashfs. */
const listings = (calls: string[]) => calls.filter((c) => LISTING.test(c) && c.endsWith('= 0')).length;

describe('the growth report sums top-level sizes in the source walk', function () {
  const box = useSandbox('growth-sizes-', 'chroot');
  const args = (extra: Record<string, unknown> = {}) => ({ name: box.source, image_name: 'sizes', base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...extra });
  const stateSizes = () => (JSON.parse(fs.readFileSync(path.join(box.images, 'sizes.img.json'), 'utf8')) as { topSizes: Record<string, number> }).topSizes;

  before(async () => {
    fs.mkdirSync(path.join(box.source, 'opt/app/lib'), { recursive: true });
    fs.writeFileSync(path.join(box.source, 'opt/app/lib/blob'), Buffer.alloc(300_000, 7));
    fs.writeFileSync(path.join(box.source, 'top-file'), 'at the top\n');
  });

  it('records per top-level directory what the image lists, without cleanup, names that are not UTF-8 included', async () => {
    const latin1 = Buffer.concat([Buffer.from(`${box.source}/caf`), Buffer.from([0xe9])]);
    fs.writeFileSync(latin1, 'a top-level name that is not UTF-8\n');
    await settle();
    const run = await runTraced('ltsp_image', args({ cleanup: false }), box.scratch, 'execve');
    assert.equal(run.code, 0, run.stdout);
    assert.equal(listings(run.calls), 0, 'the new image was listed for its sizes');
    assert.deepEqual(stateSizes(), await topLevelSizes(path.join(box.images, 'sizes.img')));
    assert.equal(stateSizes()['opt/'], 300_000);
    // Such a name keeps find's stream from being read (see stat-stream.ts), which the forced build below needs.
    fs.rmSync(latin1);
  });

  it('with cleanup, differs from the listing only where cleanup rewrote account files (etc/)', async () => {
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 0, run.stdout);
    const listed = await topLevelSizes(path.join(box.images, 'sizes.img'));
    const { 'etc/': walkedEtc, ...walked } = stateSizes();
    const { 'etc/': listedEtc, ...rest } = listed;
    assert.deepEqual(walked, rest);
    assert.ok(Math.abs(walkedEtc! - listedEtc!) < 4096, `etc/: walked ${walkedEtc}, listed ${listedEtc}`);
  });

  it('a forced build that takes the walk record’s word keeps the sizes of the walk it vouches for', async () => {
    const before = stateSizes();
    await walkRecordAged(path.join(box.images, '.sizes.walk'));
    const run = await runTraced('ltsp_image', args({ force: true }), box.scratch, 'execve');
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.reason, 'forced');
    assert.equal(listings(run.calls), 0, 'the new image was listed for its sizes');
    assert.deepEqual(stateSizes(), before);
  });

  it('lists the image when the walk did not see inside a source (a disk compared by identity)', async () => {
    const disk = path.join(box.scratch, 'disk.ext4');
    const { execa } = await import('execa');
    await execa('mkfs.ext4', ['-q', '-F', '-d', path.join(box.source, 'opt'), disk, '4M']);
    const run = await runTraced('ltsp_image', { ...args(), name: disk, image_name: 'disk' }, box.scratch, 'execve');
    assert.equal(run.code, 0, run.stdout);
    assert.equal(listings(run.calls), 1);
    const state = JSON.parse(fs.readFileSync(path.join(box.images, 'disk.img.json'), 'utf8')) as { topSizes: Record<string, number> };
    assert.deepEqual(state.topSizes, await topLevelSizes(path.join(box.images, 'disk.img')));
  });
});
