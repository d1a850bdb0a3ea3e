// The disk identity line round-trips through the one module that writes and reads it, and drift names the disk it read.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { identityBlock, identityLine, parseIdentityLine, sourceFileOf } from '../../src/fingerprint/disk-identity.js';
import { manifestDrift } from '../../src/fingerprint/sources.js';
import { PROJECT_ROOT, removeScratch, scratchDir } from '../helpers/tmp.js';

describe('disk identity line (fingerprint/disk-identity.ts)', () => {
  let scratch = '';
  before(async () => (scratch = await scratchDir('disk-identity-')));
  after(async () => scratch && (await removeScratch(scratch)));

  it('reads back the name and stat a line was written from, a tab in the name included', () => {
    for (const name of ['disk.img', 'vm\tdisk.qcow2']) {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, 'x'.repeat(4096));
      const stat = fs.statSync(file, { bigint: true });
      assert.deepEqual(parseIdentityLine(identityLine(file, stat)), { file, size: stat.size, mtimeNs: stat.mtimeNs, ino: stat.ino, dev: stat.dev });
    }
  });

  it('reads the lines a released build recorded, unchanged', () => {
    const state = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/state/vm-disk.img.json'), 'utf8')) as { sourceIdentities: string[] };
    const [recorded] = state.sourceIdentities as [string];
    const parsed = parseIdentityLine(recorded);
    assert.ok(parsed);
    assert.equal(identityLine(parsed.file, parsed), recorded);
  });

  it('a VM disk block names its top file; a line that is no identity parses to null', () => {
    const stat = { size: 1n, mtimeNs: 2n, ino: 3n, dev: 4n };
    assert.equal(sourceFileOf(identityBlock([identityLine('/vm/top.qcow2', stat), identityLine('/vm/base.qcow2', stat)])), '/vm/top.qcow2');
    assert.equal(parseIdentityLine('/vm/top.qcow2\tsize=1 mtime=2'), null);
  });

  it('drift names the whole disk file when its name holds a tab', async () => {
    const line = identityLine('/srv/vm\tdisk.img', { size: 1n, mtimeNs: 2n, ino: 3n, dev: 4n });
    const drift = await manifestDrift({ oldManifest: path.join(scratch, 'none'), newManifest: path.join(scratch, 'none'), newIdentities: [line], signal: AbortSignal.timeout(10_000), warn: assert.fail });
    assert.deepEqual(drift?.modified_paths, ['/srv/vm\tdisk.img (disk image)']);
  });
});
