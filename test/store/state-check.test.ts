// The state file's schema (schemas/formats/image_state.schema.json) as the modules use it: today's records read back, every kind of corrupt one is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedSource } from '../../src/source/kinds.js';
import { stateRecordOf } from '../../src/source/state-record.js';
import { checkState } from '../../src/store/state-check.js';
import { readState } from '../../src/store/state.js';
import { PROJECT_ROOT, removeScratch, scratchDir } from '../helpers/tmp.js';

/** State files as released versions wrote them: a directory source by today's build, a VM disk by a build without link groups. */
const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/state');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

type Edit = (s: Record<string, unknown>) => void;
const source = (s: Record<string, unknown>) => (s.resolvedSources as Record<string, unknown>[])[0]!;

/** Each refused by the hand validator the schema replaced, then the ones it let through that a module could not use. */
const CORRUPT: [string, string, Edit][] = [
  ['format', 'no format', (s) => delete s.format],
  ['config', 'config: null', (s) => (s.config = null)],
  ['resolvedSources', 'resolvedSources: null', (s) => (s.resolvedSources = null)],
  ['excludes', 'excludes: null', (s) => (s.excludes = null)],
  ['generation', 'generation: -5', (s) => (s.generation = -5)],
  ['generation', 'generation: 2.5', (s) => (s.generation = 2.5)],
  ['generation', 'generation beyond 2^53', (s) => (s.generation = 2 ** 53 + 2)],
  ['builtAt', 'a build time that is no time', (s) => (s.builtAt = 'yesterday')],
  ['compare', 'an unknown compare mode', (s) => (s.compare = 'sha1')],
  ['manifest', 'a manifest path outside the images dir', (s) => (s.manifest = '../../../../etc/shadow')],
  ['image.ino', 'an image identity without its inode', (s) => delete (s.image as Record<string, unknown>).ino],
  ['image.mtimeNs', 'an image mtime that is not digits', (s) => ((s.image as Record<string, unknown>).mtimeNs = '1e9')],
  ['kernel', 'a kernel checksum that is not sha256', (s) => (s.kernel = { vmlinuz: 'vmlinuz', initrd: 'initrd.img', vmlinuzSha256: 'x', initrdSha256: 'y' })],
  ['resolvedSources.0', 'a source without its options', (s) => delete source(s).options],
  ['history', 'a build history that is not a list', (s) => (s.history = 5)],
  ['history.0.builtAt', 'a history entry without its time', (s) => (s.history = [{ generation: 1 }])],
  ['drift', 'drift counts that are text', (s) => (s.drift = { added: 'many', removed: 0, modified: 0 })],
  ['prune.keepDays', 'a prune record with negative days', (s) => (s.prune = { keep: 2, keepDays: -1, graceHours: 0 })],
  ['bootCheck', 'a boot check without its accelerator', (s) => (s.bootCheck = { at: '2026-12-06T05:33:08.580Z', seconds: 3 })],
  ['readiness', 'a readiness record without warnings', (s) => (s.readiness = { checked: [], problems: [] })],
  ['packageList', 'a package list that is not name arch version KiB lines', (s) => (s.packageList = 'bash amd64\n')],
  ['topSizes.usr', 'a top-level size that is negative', (s) => (s.topSizes = { usr: -1 })],
  ['growth', 'growth without its contributors', (s) => (s.growth = { size: 1, previous: null, delta: null, percent: null })],
  ['resolvedSources.0', 'a source of a kind no version has', (s) => (source(s).kind = 'floppy')],
  ['resolvedSources.0', 'a disk partition without its offset (ltsp_image_info could not mount it)', (s) => delete source(s).offset],
];

describe('state file schema (store/state-check.ts)', () => {
  for (const name of fs.readdirSync(FIXTURES)) {
    it(`accepts ${name}, written by an earlier build, as it is`, () => {
      assert.equal(checkState(fixture(name)), null);
    });
  }

  for (const [field, title, edit] of CORRUPT) {
    it(`refuses ${title}, naming ${field}`, () => {
      const state = fixture('vm-disk.img.json');
      edit(state);
      assert.equal(checkState(state), field);
    });
  }

  it('refuses what is not an object', () => {
    for (const value of [null, [], 'state', 5]) assert.equal(checkState(value), 'not a JSON object');
  });

  it('ignores a field it does not know, as records of later versions of format 1 may carry', () => {
    assert.equal(checkState({ ...fixture('directory.img.json'), laterField: { any: 'thing' } }), null);
  });

  describe('readState', () => {
    let scratch = '';
    before(async () => (scratch = await scratchDir('state-check-')));
    after(async () => scratch && (await removeScratch(scratch)));
    const read = (text: string) => {
      fs.writeFileSync(path.join(scratch, 'x.img.json'), text);
      return readState(path.join(scratch, 'x.img'));
    };

    it('reads a fixture back as the state', () => {
      const text = fs.readFileSync(path.join(FIXTURES, 'directory.img.json'), 'utf8');
      assert.deepEqual(read(text), { state: JSON.parse(text) });
    });
    it('a truncated file is corrupt, a future format unknown, a wrong field named', () => {
      const text = fs.readFileSync(path.join(FIXTURES, 'directory.img.json'), 'utf8');
      assert.match((read(text.slice(0, 200)) as { invalid: string }).invalid, /x\.img\.json is corrupt \(not JSON\)/);
      assert.match((read(JSON.stringify({ ...JSON.parse(text), format: 'ltsp-image-state/2' })) as { invalid: string }).invalid, /has format ltsp-image-state\/2, which this version does not know/);
      assert.match((read(JSON.stringify({ ...JSON.parse(text), generation: 0 })) as { invalid: string }).invalid, /is not a valid ltsp_image state file \(generation\)/);
    });
  });

  describe('stateRecordOf', () => {
    it('records the schema fields of each kind and leaves out what is only in memory', () => {
      const disk = { ...source(fixture('vm-disk.img.json')), scratch: 'in memory only' } as unknown as ResolvedSource;
      const dir = { kind: 'directory', spec: 'chroot', path: '/srv/ltsp/chroot', options: ['ro'], subdir: undefined } as ResolvedSource;
      assert.deepEqual(stateRecordOf(disk), source(fixture('vm-disk.img.json')));
      assert.deepEqual(stateRecordOf(dir), { kind: 'directory', spec: 'chroot', path: '/srv/ltsp/chroot', options: ['ro'] });
      assert.equal(checkState({ ...fixture('vm-disk.img.json'), resolvedSources: [stateRecordOf(disk), stateRecordOf(dir)] }), null);
    });
  });
});
