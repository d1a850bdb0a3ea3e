// The no-op shortcut answers from find's stat stream only where a full walk vouched for it, and any change to what the image holds still reaches the walk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import sinon from 'sinon';
import { COARSE_GRAIN_MS } from '../../src/fingerprint/racy.js';
import { statDigest } from '../../src/fingerprint/stat-stream.js';
import type { Intent, Recorded, Scan, ScanRequest } from '../../src/scan/request.js';
import { scanSources } from '../../src/scan/scan.js';
import { scanWithShortcut, type Walk } from '../../src/scan/shortcut.js';
import { BUILTIN_EXCLUDES } from '../../src/squashfs/builtin-excludes.js';
import type { ResolvedSource } from '../../src/source/resolve.js';
import { makeWorkDir } from '../../src/layout/work-dir.js';
import { requireRoot } from '../helpers/root.js';
import { settle } from '../helpers/settle.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

type Compare = 'mtime' | 'checksum';

describe('no-op walk shortcut (find stat stream)', function () {
  let scratch: string;
  let root: string;
  let record: string;
  let workDirs = 0;
  let walks = 0;
  const excludes = [...BUILTIN_EXCLUDES];

  const sources = (): ResolvedSource[] => [{ spec: root, path: root, kind: 'directory', options: [] }];
  interface Asked {
    write?: boolean;
    held?: string | null;
    intent?: Intent;
    excludes?: string[];
  }
  /** A scan's request with the record beside the tree; `expected`: the active build's fingerprint. */
  const request = (compare: Compare, expected: string | null, asked: Asked = {}): ScanRequest => {
    const write = asked.write ?? true;
    const recorded: Recorded = { fingerprint: expected, manifest: null, held: asked.held ?? null, earlier: null };
    const workDir = path.join(scratch, `work-${workDirs++}`);
    makeWorkDir(workDir, excludes);
    const xattrRecord = { file: path.join(scratch, '.img.xattrs'), stagedTo: path.join(scratch, '.img.xattrs') };
    const records = { checksumCache: null, walkRecord: record, xattrRecord, write };
    return { sources: sources(), excludes: asked.excludes ?? excludes, compare, cleanup: true, overlay: true, xattrs: true, workDir, records, recorded, intent: asked.intent ?? 'compare', signal: new AbortController().signal };
  };
  /** A full walk of the tree with its manifest, as a first build does, reading no walk record. */
  const walk = (compare: Compare): Walk => () => {
    walks++;
    const fresh = request(compare, null);
    return scanSources({ ...fresh, records: { ...fresh.records, walkRecord: null } });
  };
  const shortcut = (compare: Compare, expected: string | null, asked: Asked = {}, walker: Walk = walk(compare)) => scanWithShortcut(request(compare, expected, asked), walker);
  /** The recorded fingerprint of a fresh build of the tree, and a no-op that recorded the stream. */
  const recorded = async (compare: Compare): Promise<string> => {
    await settle();
    const expected = (await walk(compare)(true)).fingerprint;
    const noop = await shortcut(compare, expected);
    assert.equal(noop.fingerprint, expected);
    assert.ok(fs.existsSync(record), 'a matching, settled walk is recorded');
    return expected;
  };
  const rescan = (compare: Compare, expected: string) => shortcut(compare, expected);
  const live = () => new AbortController().signal;
  /** A forced build's scan with the clock at `now` when it weighs the record's age (before its first await). */
  const forcedAt = (now: number, expected: string, held: string | null = null): Promise<Scan> => {
    const clock = sinon.useFakeTimers({ now, toFake: ['Date'] });
    try {
      return shortcut('mtime', expected, { intent: 'forced', held });
    } finally {
      clock.restore();
    }
  };

  beforeEach(async function () {
    requireRoot(this);
    scratch = await scratchDir('shortcut-');
    root = path.join(scratch, 'tree');
    record = path.join(scratch, '.img.walk');
    for (const dir of ['etc', 'usr/bin', 'tmp', 'home/alice']) fs.mkdirSync(path.join(root, dir), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/a'), 'aaaa');
    fs.writeFileSync(path.join(root, 'etc/b'), 'bbbb', { mode: 0o600 });
    fs.writeFileSync(path.join(root, 'usr/bin/tool'), 'tool');
    fs.symlinkSync('a', path.join(root, 'etc/link'));
    walks = 0;
  });
  afterEach(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('answers a no-op from the stream without walking once a walk vouched for it', async () => {
    const expected = await recorded('mtime');
    walks = 0;
    const again = await rescan('mtime', expected);
    assert.equal(again.fingerprint, expected);
    assert.equal(again.manifest, false);
    assert.equal(walks, 0);
  });

  const changes: Record<string, () => Promise<unknown> | void> = {
    'content, size and mtime kept': () => {
      const file = path.join(root, 'etc/a');
      const { atime, mtime } = fs.statSync(file);
      fs.writeFileSync(file, 'AAAA');
      fs.utimesSync(file, atime, mtime);
    },
    mode: () => fs.chmodSync(path.join(root, 'etc/a'), 0o640),
    owner: () => fs.chownSync(path.join(root, 'etc/a'), 1, 1),
    xattr: () => execa('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], "user.x", b"1")', path.join(root, 'etc/a')]),
    'symlink target': () => {
      fs.rmSync(path.join(root, 'etc/link'));
      fs.symlinkSync('b', path.join(root, 'etc/link'));
    },
    'an added entry': () => fs.writeFileSync(path.join(root, 'usr/bin/new'), ''),
    'a removed entry': () => fs.rmSync(path.join(root, 'usr/bin/tool')),
    'a rename': () => fs.renameSync(path.join(root, 'usr/bin/tool'), path.join(root, 'usr/bin/tool2')),
    'a swap of two entries\u2019 modes': () => {
      fs.chmodSync(path.join(root, 'etc/a'), 0o600);
      fs.chmodSync(path.join(root, 'etc/b'), 0o644);
    },
  };
  for (const [what, change] of Object.entries(changes)) {
    for (const compare of ['mtime', 'checksum'] as const) {
      it(`a change of ${what} after the record reaches the walk (${compare})`, async () => {
        const expected = await recorded(compare);
        const stream = await statDigest([root]);
        await change();
        await settle();
        assert.notEqual(await statDigest([root]), stream);
        walks = 0;
        const after = await rescan(compare, expected);
        assert.equal(walks, 1);
        // In mtime mode, content behind an unchanged size and mtime is the one change the walk itself cannot see.
        if (!(compare === 'mtime' && what.startsWith('content'))) assert.notEqual(after.fingerprint, expected);
      });
    }
  }

  it('a source given through a symlink is listed where it leads', async () => {
    const link = path.join(scratch, 'via-link');
    fs.symlinkSync(root, link);
    const before = await statDigest([link]);
    assert.notEqual(before, null);
    assert.equal(await statDigest([link]), before);
    fs.writeFileSync(path.join(root, 'etc/a'), 'changed');
    assert.notEqual(await statDigest([link]), before);
  });

  it('a change under an excluded path walks once, finds the image unchanged and records the new stream', async () => {
    const expected = await recorded('mtime');
    const before = fs.readFileSync(record, 'utf8');
    fs.writeFileSync(path.join(root, 'tmp/scratch'), 'x');
    await settle();
    walks = 0;
    assert.equal((await rescan('mtime', expected)).fingerprint, expected);
    assert.equal(walks, 1);
    assert.notEqual(fs.readFileSync(record, 'utf8'), before);
    walks = 0;
    assert.equal((await rescan('mtime', expected)).fingerprint, expected);
    assert.equal(walks, 0);
  });

  it('a file too recent to trust its stat line keeps the walk from being recorded', async () => {
    // Checksum mode: the recent file does not change the fingerprint, so only the record's own rule keeps it out.
    await settle();
    const expected = (await walk('checksum')(true)).fingerprint;
    const file = path.join(root, 'etc/a');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 1500));
    const scan = await rescan('checksum', expected);
    assert.equal(scan.fingerprint, expected);
    assert.ok(scan.unsettled > 0);
    assert.equal(fs.existsSync(record), false);
  });

  it('check mode reads no record it did not find and writes none', async () => {
    await settle();
    const expected = (await walk('mtime')(true)).fingerprint;
    const scan = await shortcut('mtime', expected, { write: false });
    assert.equal(scan.fingerprint, expected);
    assert.equal(fs.existsSync(record), false);
  });

  it('asks the walk for the manifest only where a rebuild is likely: a stream moved since its record, or a run that builds anyway (#17)', async () => {
    const asked: boolean[] = [];
    const asking: Walk = (manifest) => {
      asked.push(manifest);
      return walk('mtime')(manifest);
    };
    await settle();
    const first = (await walk('mtime')(true)).fingerprint;
    await shortcut('mtime', first, {}, asking);
    assert.deepEqual(asked, [false], 'no record yet: the first no-op after a build most likely matches');
    fs.writeFileSync(path.join(root, 'etc/a'), 'changed');
    await settle();
    asked.length = 0;
    await shortcut('mtime', first, {}, asking);
    assert.deepEqual(asked, [true], 'the recorded stream moved');
    fs.rmSync(record, { force: true });
    asked.length = 0;
    const built = await shortcut('mtime', first, { intent: 'manifest' }, asking);
    assert.deepEqual(asked, [true], 'a forced run with no record');
    assert.equal(fs.existsSync(record), false, 'a forced run records no stream');
    const expected = await recorded('mtime');
    asked.length = 0;
    const forced = await shortcut('mtime', expected, { intent: 'manifest' }, asking);
    assert.deepEqual(asked, [], 'a forced run on the recorded stream');
    assert.equal(forced.fingerprint, expected);
    assert.equal(forced.manifest, false);
    assert.equal(built.fingerprint, expected);
  });

  it('after a revert, a record of the build it moved away from answers too (held, no walk); a forced build does not take its word', async () => {
    const newer = await recorded('mtime');
    const reverted = 'e'.repeat(64);
    walks = 0;
    const held = await shortcut('mtime', reverted, { held: newer });
    assert.equal(held.fingerprint, newer);
    assert.equal(held.manifest, false);
    assert.equal(walks, 0, 'the nightly run of a held image walked');
    fs.rmSync(record);
    const walked = await shortcut('mtime', reverted, { held: newer });
    assert.equal(walked.fingerprint, newer);
    assert.equal(walks, 1);
    assert.equal(JSON.parse(fs.readFileSync(record, 'utf8')).digest, newer, 'a walk that found the held fingerprint records the stream');
    const forced = await forcedAt(Date.now() + 10 * COARSE_GRAIN_MS, reverted, newer);
    assert.equal(forced.fingerprint, newer);
    assert.equal(forced.stream, undefined, 'a forced build took the word of a record that is not the active build (its stream is read first, not checked beside)');
  });

  it('a record made for other excludes or another fingerprint is not used', async () => {
    const expected = await recorded('mtime');
    walks = 0;
    await shortcut('mtime', expected, { excludes: [...excludes, 'etc/*'] });
    assert.equal(walks, 1);
    walks = 0;
    await rescan('mtime', 'f'.repeat(64));
    assert.equal(walks, 1);
  });
  it('a walk that ends in a build hands over its stream: kept after the build, the next no-op needs no walk; a tree that moved meanwhile is not kept', async () => {
    const expected = await recorded('mtime');
    fs.writeFileSync(path.join(root, 'etc/a'), 'changed');
    await settle();
    const scan = await rescan('mtime', expected);
    assert.notEqual(scan.fingerprint, expected);
    assert.ok(scan.stream && !scan.stream.required, 'a walk that found a change hands over its stream');
    assert.equal(await scan.stream.again(live()), true);
    scan.stream.keep();
    walks = 0;
    assert.equal((await rescan('mtime', scan.fingerprint)).fingerprint, scan.fingerprint);
    assert.equal(walks, 0, 'the no-op after the build walked');

    fs.writeFileSync(path.join(root, 'etc/a'), 'changed again');
    await settle();
    const moved = await rescan('mtime', scan.fingerprint);
    fs.writeFileSync(path.join(root, 'etc/b'), 'changed while building');
    assert.equal(await moved.stream!.again(live()), false, 'the stream beside the build saw the change');
  });

  it('a forced build takes a record older than the coarsest tick at once and must check it beside the build; a younger record is read first', async () => {
    const expected = await recorded('mtime');
    const at = (JSON.parse(fs.readFileSync(record, 'utf8')) as { at: number }).at;
    const forced = (now: number) => forcedAt(now, expected);
    walks = 0;
    const young = await forced(at + COARSE_GRAIN_MS - 1);
    assert.equal(young.stream, undefined, 'a young record is checked by the stream before the build');
    const old = await forced(at + COARSE_GRAIN_MS);
    assert.equal(old.fingerprint, expected);
    assert.equal(old.manifest, false);
    assert.ok(old.stream?.required, 'an old record is taken at once, on condition');
    assert.equal(walks, 0);
    assert.equal(await old.stream.again(live()), true);
    const stopped = await forced(at + COARSE_GRAIN_MS);
    const stop = new AbortController();
    stop.abort();
    assert.equal(await stopped.stream!.again(stop.signal), false, 'a stream stopped with its build vouches for nothing');
    const moved = await forced(at + COARSE_GRAIN_MS);
    fs.writeFileSync(path.join(root, 'usr/bin/new'), '');
    assert.equal(await moved.stream!.again(live()), false);
  });
});
