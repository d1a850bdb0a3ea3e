// sha256File reads the next chunk while it hashes this one (and publishing flushes the image meanwhile): the digest must be the plain one at every chunk boundary, and an abort must close the file.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncPathAsync } from '../../src/fs/fsync.js';
import { sha256Fd, sha256File } from '../../src/fs/sha256.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('sha256 of files', function () {
  let scratch: string;
  const MiB = 1 << 20;
  const openFds = () => fs.readdirSync('/proc/self/fd').length;

  before(async () => {
    scratch = await scratchDir('sha256-');
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB, 5 * MiB + 12345]) {
    it(`a file of ${size} bytes hashes as its bytes do, by both readers`, async () => {
      const file = path.join(scratch, `f-${size}`);
      const bytes = crypto.randomBytes(size);
      fs.writeFileSync(file, bytes);
      const expected = crypto.createHash('sha256').update(bytes).digest('hex');
      assert.equal(await sha256File(file), expected);
      const fd = fs.openSync(file, 'r');
      try {
        assert.equal(await sha256Fd(fd), expected);
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  it('an abort ends the hash with the signal\u2019s reason and leaves no descriptor open', async () => {
    const file = path.join(scratch, 'big');
    fs.writeFileSync(file, Buffer.alloc(8 * MiB, 7));
    const before = openFds();
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    await assert.rejects(sha256File(file, stop.signal), /stopped/);
    assert.equal(openFds(), before);
  });

  it('a file that cannot be read rejects and leaves no descriptor open', async () => {
    const before = openFds();
    await assert.rejects(sha256File(scratch), /EISDIR/);
    assert.equal(openFds(), before);
  });

  it('the flush beside the hash opens our file only, never what a symlink planted in its place points at, and closes it', async () => {
    const file = path.join(scratch, 'flushed');
    fs.writeFileSync(file, 'x');
    const link = path.join(scratch, 'planted');
    fs.symlinkSync(file, link);
    const before = openFds();
    await fsyncPathAsync(file);
    await assert.rejects(fsyncPathAsync(link), /ELOOP/);
    assert.equal(openFds(), before);
  });
});
