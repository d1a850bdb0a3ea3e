// A build checks find's stat stream beside mksquashfs (#17): it records the stream for the next no-op, and a forced build that took an old record's word starts over when the stream moved.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { waitFor, walkRecordAged } from '../helpers/settle.js';
import { listenSyslog } from '../helpers/syslog.js';
import { runTraced, walksIn } from '../helpers/strace.js';

describe('the stat stream checked beside the build (#17)', function () {
  const box = useSandbox('beside-', 'chroot');
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...extra });
  const image = () => path.join(box.images, 'fixture.img');
  const state = () => JSON.parse(fs.readFileSync(`${image()}.json`, 'utf8')) as { fingerprint: string; image: { sha256: string } };
  const recordFile = () => path.join(box.images, '.fixture.walk');
  const record = () => JSON.parse(fs.readFileSync(recordFile(), 'utf8')) as { digest: string; at: number };
  const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  // The stream's finds start at ./NAME points (a walk's read directories from stdin: walksIn).
  const first = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c) && c.endsWith('= 0'));
  const streamFind = /execve\("[^"]*\/find", \["find", "-P", "\.\//;
  const unshare = /execve\("[^"]*\/unshare", \["unshare", "--mount"/;
  const recordAged = () => walkRecordAged(recordFile());

  before(async function () {
    // The snakeoil key is the one thing cleanup makes anew on every build; without it two builds of a tree are the same bytes.
    fs.rmSync(path.join(box.source, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    // Big enough that mksquashfs is still compressing when the stream beside it has finished.
    await execa('head', ['-c', '48M', '/dev/urandom'], { stdout: { file: path.join(box.source, 'opt-random') } });
  });

  it('a build that walked records the stream it checked beside mksquashfs: the next run answers without a walk', async () => {
    await box.change('etc/beside-marker', 'one\n');
    const built = await runModule('ltsp_image', args());
    assert.equal(built.result.changed, true, built.stdout);
    assert.equal(record().digest, state().fingerprint, 'the build recorded the stream for its own fingerprint');
    const noop = await runTraced('ltsp_image', args(), box.scratch, 'execve');
    assert.equal(noop.result.reason, 'up_to_date', noop.stdout);
    assert.equal(walksIn(noop.calls), 0, 'the no-op after a build walked the source');
  });

  it('a forced build on an old record starts at once: no walk, the stream only beside the worker, and the same bytes as the build before', async () => {
    await recordAged();
    const before = state();
    const forced = await runTraced('ltsp_image', args({ force: true }), box.scratch, 'execve');
    assert.equal(forced.code, 0, forced.stdout);
    assert.equal(forced.result.reason, 'forced');
    assert.equal(forced.result.reproducible, true);
    assert.equal(forced.result.warnings, undefined, forced.stdout);
    assert.equal(walksIn(forced.calls), 0, 'the forced build walked the unchanged source');
    const worker = first(forced.calls, unshare);
    const stream = first(forced.calls, streamFind);
    assert.ok(worker >= 0 && stream > worker, `the stream (call ${stream}) runs beside the worker (call ${worker}), not before it`);
    assert.equal(state().fingerprint, before.fingerprint);
    assert.equal(sha256(image()), before.image.sha256, 'a reproducible build of the same tree is the same image');
  });

  it('a source changed after its record: the forced build finds the stream moved beside it, ends that worker, walks and builds the new tree; nothing leaks', async () => {
    await recordAged();
    const snapshot = await hostSnapshot();
    const old = state().fingerprint;
    await box.change('etc/beside-marker', 'two\n');
    const syslog = await listenSyslog(box.scratch);
    const forced = await runTraced('ltsp_image', args({ force: true }), box.scratch, 'execve', syslog.env);
    assert.equal(forced.code, 0, forced.stdout);
    const said = /fixture: the source changed since its last scan while the forced build started; building again after a full scan/;
    await waitFor(() => said.test(syslog.read()), 'the syslog line of the second attempt', 10_000).finally(() => syslog.stop());
    assert.equal(forced.result.changed, true);
    assert.equal(forced.result.reason, 'forced');
    assert.equal(forced.result.warnings, undefined, 'a change before a forced run is no reason to warn');
    assert.equal(forced.calls.filter((c) => unshare.test(c) && c.endsWith('= 0')).length, 2, 'the first worker was ended, a second built');
    assert.equal(walksIn(forced.calls), 1, 'the second attempt walked the source');
    const { stdout } = await execa('unsquashfs', ['-cat', image(), 'etc/beside-marker']);
    assert.equal(stdout, 'two');
    assert.notEqual(state().fingerprint, old);
    const check = await runModule('ltsp_image', args({ check_mode: true }));
    assert.equal(check.result.reason, 'up_to_date', check.stdout);
    const next = await runModule('ltsp_image', args());
    assert.equal(next.result.reason, 'up_to_date', next.stdout);
    assert.deepEqual(fs.readdirSync(box.images).filter((n) => n.includes('.tmp')), []);
    await assertNothingLeaked(snapshot);
  });
});
