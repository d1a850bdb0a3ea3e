// Every mksquashfs option users may give, built through the overlay and by the direct read: the two images must be byte-identical, or the option keeps the overlay.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ALLOWED_OPTIONS, forcesOverlay } from '../../src/squashfs/params.js';
import { makeChrootFixture, type ChrootFixture } from '../helpers/chroot-fixture.js';
import type { RoutesJob, RoutesResult } from '../helpers/both-routes.js';
import { requireRoot } from '../helpers/root.js';
import { projectRoot } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const T = '1700000000';
/** Each allowed option at least once; a compressor with its -X options. */
const CASES: [string, string[]][] = [
  ['gzip', ['-comp', 'gzip', '-Xcompression-level', '3', '-Xwindow-size', '10', '-Xstrategy', 'default,filtered']],
  ['lzo', ['-comp', 'lzo', '-Xalgorithm', 'lzo1x_999', '-Xcompression-level', '2']],
  ['lz4', ['-comp', 'lz4', '-Xhc']],
  ['xz', ['-comp', 'xz', '-Xbcj', 'x86', '-Xdict-size', '50%']],
  ['zstd', ['-comp', 'zstd', '-Xcompression-level', '3']],
  ['block', ['-b', '64K']],
  ['uncompressed', ['-noI', '-noId', '-noD', '-noF', '-noX']],
  ['uncompressed-long', ['-noInodeCompression', '-noIdTableCompression', '-noDataCompression', '-noFragmentCompression', '-noXattrCompression']],
  ...['-no-fragments', '-always-use-fragments', '-tailends', '-no-tailends', '-no-duplicates', '-no-hardlinks'].map((o): [string, string[]] => [o.slice(1), [o]]),
  ...['-xattrs', '-no-xattrs', '-exports', '-no-exports', '-no-sparse', '-reproducible', '-exit-on-error', '-no-recovery'].map((o): [string, string[]] => [o.slice(1), [o]]),
  ['mkfs-time', ['-mkfs-time', T]],
  ['fstime', ['-fstime', T]],
  ['processors', ['-processors', '1']],
  ['mem', ['-mem', '64M']],
  ['throttle', ['-throttle', '10']],
  ['limit', ['-limit', '90']],
  ['all-root', ['-all-root']],
  ['root-owned', ['-root-owned']],
  ['all-time', ['-all-time', T]],
  ['force-ids', ['-force-uid', '1000', '-force-gid', '1000']],
  ['root-attributes', ['-root-time', T, '-root-mode', '700', '-root-uid', '5', '-root-gid', '5']],
  // Files cleanup rewrites (the direct read's pseudo files) and one it leaves.
  ['exclude', ['-comp', 'lz4', '-e', 'etc/shadow', 'var/log/syslog', 'etc/hostname']],
];

describe('mksquashfs_params on both read routes', function () {
  let scratch: string;
  let fixture: ChrootFixture;
  let results: RoutesResult[] = [];

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('param-routes-');
    fixture = await makeChrootFixture(path.join(scratch, 'source'));
    const job: RoutesJob = { dir: scratch, source: fixture.root, stableTime: Math.floor(Date.now() / 1000), cases: CASES };
    const helper = path.join(projectRoot, 'dist/test/helpers/both-routes.js');
    const child = await execa('unshare', ['--mount', '--propagation', 'private', process.execPath, helper, JSON.stringify(job)]);
    results = JSON.parse(child.stdout) as RoutesResult[];
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('has a case for every allowed option', () => {
    const tested = new Set(CASES.flatMap(([, words]) => words));
    assert.deepEqual(ALLOWED_OPTIONS.filter((o) => !tested.has(o)), []);
  });

  for (const [name, words] of CASES) {
    it(`${words.join(' ')}: the direct read gives the overlay's bytes${forcesOverlay(words) ? ' (the option keeps the overlay)' : ''}`, () => {
      const result = results.find((r) => r.name === name);
      assert.ok(result, `no build for ${name}`);
      assert.equal(result.direct, !forcesOverlay(words), 'the read route');
      assert.ok(fs.readFileSync(result.directImage).equals(fs.readFileSync(result.overlayImage)), 'the two routes give different images');
    });
  }

  it('-e leaves its paths out of the image on both routes, also those cleanup rewrote', async () => {
    const result = results.find((r) => r.name === 'exclude')!;
    const { stdout } = await execa('unsquashfs', ['-l', '-d', '', result.directImage]);
    assert.match(stdout, /^\/etc\/passwd$/m);
    assert.doesNotMatch(stdout, /^\/(etc\/shadow|var\/log\/syslog|etc\/hostname)$/m);
  });
});
