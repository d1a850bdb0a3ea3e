// The walk record is read only when it passes its schema, has this key and is a regular file: anything else vouches for nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readWalkRecord, recordKey, writeWalkRecord, type WalkRecord } from '../../src/scan/walk-record.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/walk');

describe('the walk record (schemas/formats/walk_record.schema.json)', () => {
  let scratch: string;
  const written = fs.readFileSync(path.join(fixtures, 'format-3.walk'), 'utf8');
  const fixture = JSON.parse(written) as WalkRecord;
  const at = (name: string, text: string): string => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeEach(async () => {
    scratch = await scratchDir('walk-record-');
  });
  afterEach(async () => {
    await removeScratch(scratch);
  });

  it('reads a record an earlier build wrote, under its own key only', () => {
    const file = at('.img.walk', written);
    assert.deepEqual(readWalkRecord(file, fixture.key), fixture);
    assert.equal(readWalkRecord(file, 'f'.repeat(64)), null);
  });

  it('round-trips what it writes', () => {
    const file = path.join(scratch, '.img.walk');
    const record: WalkRecord = { ...fixture, topSizes: null, overlayOnly: 'var/lib/containers/x (a whiteout)' };
    writeWalkRecord(file, record);
    assert.deepEqual(readWalkRecord(file, record.key), record);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  const broken: Record<string, (r: Record<string, unknown>) => unknown> = {
    'an older format': (r) => ({ ...r, format: 'ltsp-image-walk-record 2' }),
    'a missing field': ({ topSizes: _, ...r }) => r,
    'a digest that is no sha256': (r) => ({ ...r, digest: 'abc' }),
    'a negative size': (r) => ({ ...r, topSizes: { 'usr/': -1 } }),
    'a time in seconds as text': (r) => ({ ...r, newest: '1796555174' }),
    'an array': (r) => [r],
  };
  for (const [what, spoil] of Object.entries(broken)) {
    it(`reads a record with ${what} as none`, () => {
      const file = at('.img.walk', JSON.stringify(spoil(JSON.parse(written) as Record<string, unknown>)));
      assert.equal(readWalkRecord(file, fixture.key), null);
    });
  }

  it('reads a torn record, a symlink to a valid one and a FIFO at its name as none', async () => {
    assert.equal(readWalkRecord(at('torn', written.slice(0, 40)), fixture.key), null);
    const link = path.join(scratch, 'link');
    fs.symlinkSync(at('valid', written), link);
    assert.equal(readWalkRecord(link, fixture.key), null);
    const fifo = path.join(scratch, 'fifo');
    await execa('mkfifo', [fifo]);
    assert.equal(readWalkRecord(fifo, fixture.key), null);
  });

  it('keys a record by every input the fingerprint depends on', () => {
    const inputs = { roots: ['/srv/a'], subdirs: [''], excludes: ['tmp/*'], compare: 'mtime', cleanup: true, overlay: true, xattrs: true };
    const key = recordKey(inputs);
    for (const changed of [{ roots: ['/srv/b'] }, { subdirs: ['boot'] }, { excludes: [] }, { compare: 'checksum' }, { cleanup: false }, { overlay: false }, { xattrs: false }]) {
      assert.notEqual(recordKey({ ...inputs, ...changed }), key, JSON.stringify(changed));
    }
  });
});
