// A bad previous manifest (#13 item 5) means "drift unknown" with a warning, never a failure; a gzip bomb is cut short; manifests are flushed before they are named.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { runModule } from '../helpers/run-module.js';
import { runTraced, WALK_FIND, walksIn } from '../helpers/strace.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('bad previous manifests (#13 item 5)', function () {
  const box = useSandbox('manifest-', 'chroot');
  let cases = 0;
  let survived = 0;
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });
  const manifestOf = () => {
    const state = JSON.parse(fs.readFileSync(path.join(box.base, 'images/fixture.img.json'), 'utf8')) as { manifest: string };
    return path.join(box.base, 'images', state.manifest);
  };
  const change = (what: string) => box.change('etc/manifest-marker', `${what}\n`);

  before(async function () {
    assert.equal((await runModule('ltsp_image', args())).code, 0);
  });
  after(async function () {
    process.stdout.write(`      manifests: ${cases} bad manifests, ${survived} runs carried on\n`);
  });

  const corruptions: [string, (file: string) => Promise<void>][] = [
    ['zero-length', async (file) => fs.writeFileSync(file, '')],
    ['not gzip', async (file) => fs.writeFileSync(file, 'garbage, not gzip\n')],
    ['truncated gzip', async (file) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40))],
  ];
  for (const [kind, corrupt] of corruptions) {
    it(`a ${kind} manifest: check mode and the real run report drift unknown and rebuild, the next run is up_to_date`, async () => {
      cases++;
      await corrupt(manifestOf());
      await change(kind);
      const check = await runModule('ltsp_image', args({ check_mode: true }));
      assert.equal(check.code, 0, check.stdout);
      assert.equal(check.result.reason, 'source_changed');
      assert.match((check.result.warnings as string[]).join('\n'), /the previous manifest .* cannot be read .*; drift unknown/);
      const run = await runModule('ltsp_image', args());
      assert.equal(run.code, 0, run.stdout);
      assert.equal(run.result.changed, true);
      const next = await runModule('ltsp_image', args());
      assert.equal(next.result.reason, 'up_to_date', next.stdout);
      survived++;
    });
  }

  it('a gzip bomb (700 MB of zeros, no newline) is cut short: the run finishes in seconds, not minutes', async () => {
    cases++;
    const file = manifestOf();
    await execa('sh', ['-c', 'head -c 700M /dev/zero | gzip -1 > "$1"', 'sh', file]);
    await change('bomb');
    const started = Date.now();
    const run = await runModule('ltsp_image', args({ check_mode: true }));
    assert.equal(run.code, 0, run.stdout);
    assert.match((run.result.warnings as string[]).join('\n'), /(decompresses to more than \d+ bytes|has a line longer than \d+ bytes); it is not a manifest\); drift unknown/);
    assert.ok(Date.now() - started < 60000, `the drift step took ${Date.now() - started} ms`);
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    survived++;
  });

  it('the manifest is flushed to disk (fsync) before it is renamed into place', async () => {
    cases++;
    await change('fsync');
    const run = await runTraced('ltsp_image', args(), box.scratch);
    assert.equal(run.code, 0, run.stdout);
    const open = run.calls.find((c) => /openat\(.*\/\.manifest\.gz\.[0-9a-f]{12}\.tmp", O_WRONLY\|O_CREAT\|O_EXCL\|O_NOFOLLOW/.test(c));
    assert.ok(open, 'the manifest temp is created O_EXCL|O_NOFOLLOW');
    const pid = open.split(' ')[0];
    const temp = /"([^"]*\.manifest\.gz\.[0-9a-f]{12}\.tmp)"/.exec(open)![1];
    // The temp is flushed through whichever descriptor opens it (the writer's, or a second one fsyncPath opens), found by position.
    const opens = run.calls.map((c, i) => ({ c, i })).filter(({ c }) => c.startsWith(`${pid} `) && c.includes(`"${temp}"`) && c.includes('openat('));
    const fsyncAt = run.calls.findIndex((c, i) => c.startsWith(`${pid} `) && opens.some((o) => o.i < i && c.includes(`fsync(${/= (\d+)$/.exec(o.c)?.[1] ?? 'none'})`)));
    const renameAt = run.calls.findIndex((c) => /rename(at2?)?\(.*\/\.manifest\.gz\.[0-9a-f]{12}\.tmp"/.test(c));
    assert.ok(fsyncAt > 0 && renameAt > fsyncAt, `fsync (${fsyncAt}) before rename (${renameAt})`);
    survived++;
  });

  for (const compare of ['mtime', 'checksum']) {
    it(`${compare} mode: a no-op writes no manifest; a forced rebuild after one keeps its manifest, and the next change's drift names the file (#17)`, async () => {
      cases++;
      const opts = { compare };
      await change(`skip-${compare}`);
      assert.equal((await runModule('ltsp_image', args(opts))).result.changed, true);
      const noop = await runTraced('ltsp_image', args(opts), box.scratch);
      assert.equal(noop.result.reason, 'up_to_date', noop.stdout);
      assert.ok(!noop.calls.some((c) => c.includes('.manifest.gz.')), 'the no-op wrote a manifest');
      const forced = await runModule('ltsp_image', args({ ...opts, force: true }));
      assert.equal(forced.result.reason, 'forced');
      assert.ok(fs.existsSync(manifestOf()), 'the forced rebuild kept its manifest');
      await box.change('etc/hostname', `changed-${compare}\n`);
      const changed = await runModule('ltsp_image', args(opts));
      assert.equal(changed.result.reason, 'source_changed');
      assert.deepEqual((changed.result.drift as { modified_paths: string[] }).modified_paths, ['etc/hostname']);
      assert.equal((changed.result.drift as { added: number }).added, 0);
      survived++;
    });
  }

  it('a forced rebuild of an unchanged source reuses the recorded manifest without walking; a change found through the record walks once, with the build worker starting meanwhile (#17)', async () => {
    cases++;
    const gunzip = (file: string) => zlib.gunzipSync(fs.readFileSync(file)).toString('latin1');
    await change('reuse');
    assert.equal((await runModule('ltsp_image', args())).result.changed, true);
    assert.equal((await runModule('ltsp_image', args())).result.reason, 'up_to_date', 'the no-op that records the stream');
    const before = gunzip(manifestOf());
    const forced = await runTraced('ltsp_image', args({ force: true }), box.scratch, 'execve');
    assert.equal(forced.result.reason, 'forced', forced.stdout);
    assert.equal(walksIn(forced.calls), 0, 'the forced rebuild walked the unchanged source');
    assert.equal(gunzip(manifestOf()), before, 'the new generation has the recorded manifest');
    await box.change('etc/hostname', 'changed-reuse\n');
    const changed = await runTraced('ltsp_image', args(), box.scratch, 'execve');
    assert.equal(changed.result.reason, 'source_changed', changed.stdout);
    assert.deepEqual((changed.result.drift as { modified_paths: string[] }).modified_paths, ['etc/hostname']);
    assert.equal(walksIn(changed.calls), 1, 'a change the stream showed costs one walk, which writes the manifest');
    const first = (pattern: RegExp) => changed.calls.findIndex((c) => pattern.test(c) && c.endsWith('= 0'));
    const worker = first(/execve\("[^"]*\/unshare", \["unshare", "--mount"/);
    const walk = first(WALK_FIND);
    assert.ok(worker >= 0 && worker < walk, `the build worker (call ${worker}) starts before that walk (call ${walk})`);
    survived++;
  });
});
