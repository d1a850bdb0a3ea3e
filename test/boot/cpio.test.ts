// The boot check's own initrd archive is written without cpio(1): GNU cpio, as the kernel's unpacker would, must read back every file and mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cpioArchive, writeCpio } from '../../src/boot/cpio.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('boot check cpio archive', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await scratchDir('cpio-');
  });
  afterEach(async () => {
    await removeScratch(dir);
  });

  it('is a newc archive that cpio extracts with the contents, modes and parent directories', async () => {
    const archive = writeCpio(
      [
        { path: 'etc/ltsp/ltsp.conf', content: '[clients]\nX=1\n', mode: 0o644 },
        { path: 'etc/ltsp/check', content: '#!/bin/sh\necho é\n', mode: 0o755 },
        { path: 'a', content: '', mode: 0o600 },
      ],
      path.join(dir, 'extra.cpio'),
    );
    const listed = await execa('cpio', ['-it', '--quiet', '-F', archive]);
    assert.deepEqual(listed.stdout.split('\n'), ['etc', 'etc/ltsp', 'etc/ltsp/ltsp.conf', 'etc/ltsp/check', 'a']);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    await execa('cpio', ['-idm', '--quiet', '-F', archive], { cwd: out });
    assert.equal(fs.readFileSync(path.join(out, 'etc/ltsp/check'), 'utf8'), '#!/bin/sh\necho é\n');
    assert.equal(fs.readFileSync(path.join(out, 'etc/ltsp/ltsp.conf'), 'utf8'), '[clients]\nX=1\n');
    assert.equal(fs.statSync(path.join(out, 'etc/ltsp/check')).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(path.join(out, 'a')).mode & 0o7777, 0o600);
    assert.equal(fs.statSync(path.join(out, 'etc/ltsp')).isDirectory(), true);
    assert.equal(fs.statSync(archive).size % 4, 0);
  });

  it('refuses paths that would leave the initramfs root', () => {
    for (const bad of ['/etc/x', '../x', 'etc/../../x', 'etc//x']) {
      assert.throws(() => cpioArchive([{ path: bad, content: '', mode: 0o644 }]), /cpio path must be relative and plain/);
    }
  });
});
