// The images a command line without IMAGE builds: the reference's list_img_names on a real directory tree.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listImageNames } from '../../src/source/detect.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('source/detect', function () {
  let base: string;
  before(async function () {
    base = await scratchDir('detect-');
    for (const dir of ['chroot-b/proc', 'no-proc/etc', '.hidden/proc', 'images']) await fs.mkdir(path.join(base, dir), { recursive: true });
    for (const file of ['vm-c.img', 'images/chroot-b.img', 'images/exported-a.img', 'images/chroot-b.img.old', 'images/.x.img', 'notes.txt']) {
      await fs.writeFile(path.join(base, file), '');
    }
    await fs.mkdir(path.join(base, 'images/dir.img'));
  });
  after(async () => {
    if (base) await removeScratch(base);
  });

  it('lists chroots with proc/, VM disks and exported images by simple name, sorted and once each', function () {
    assert.deepEqual(listImageNames(base), ['chroot-b', 'exported-a', 'vm-c']);
  });

  it('finds nothing in a missing base dir', function () {
    assert.deepEqual(listImageNames(path.join(base, 'missing')), []);
  });
});
