// Runs on the same image queue up on a kernel-released lock; runs on different images go side by side; apt's lock is honoured.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LOCK_HELPER } from '../../src/store/lock-helper.js';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { runTraced } from '../helpers/strace.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { settle, waitFor } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';


/** Holds an fcntl lock on a file from another process, as apt or another run would. */
function holdLock(file: string) {
  const child = execa('perl', ['-e', LOCK_HELPER, file, '5', '1'], { stdin: 'pipe', reject: false });
  const locked = new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
  return { locked, release: async () => { child.stdin?.end(); await child; } };
}

describe('concurrency', function () {
  const box = useSandbox('conc-', 'dir');
  let cases = 0;
  let passed = 0;

  const args = (extra: Record<string, unknown> = {}) => ({ name: box.source, image_name: 'conc', base_dir: box.base, tftp_dir: box.tftp, ...extra });

  before(async function () {
    fs.mkdirSync(path.join(box.source, 'var/lib/dpkg'), { recursive: true });
    fs.writeFileSync(path.join(box.source, 'var/lib/dpkg/lock'), '');
    fs.mkdirSync(box.base, { recursive: true });
  });
  afterEach(killStarted);
  after(async function () {
    process.stdout.write(`      concurrency: ${cases} scenarios, ${passed} serialised correctly\n`);
  });

  for (const count of [2, 10]) {
    it(`${count} runs on one changed image at once: exactly one builds, the others wait and report up_to_date`, async () => {
      cases++;
      fs.writeFileSync(path.join(box.source, 'etc/version'), `${count}\n`);
      await settle();
      const runs = await Promise.all(Array.from({ length: count }, () => runModule('ltsp_image', args())));
      for (const r of runs) assert.equal(r.code, 0, r.stdout);
      const reasons = runs.map((r) => r.result.reason).sort();
      assert.equal(runs.filter((r) => r.result.changed).length, 1, JSON.stringify(reasons));
      assert.equal(reasons.filter((r) => r === 'up_to_date').length, count - 1);
      passed++;
    });
  }

  it('a run that cannot get the image lock within lock_timeout fails clearly', async () => {
    cases++;
    fs.writeFileSync(path.join(box.source, 'etc/version'), 'held\n');
    await settle();
    const first = startModule('ltsp_image', args(), { LTSP_IMAGE_FAILPOINT: 'fingerprint' });
    await first.reached('fingerprint');
    const second = await runModule('ltsp_image', args({ lock_timeout: 1 }));
    assert.equal(second.code, 1);
    assert.match(String(second.result.msg), /Another run is working on .*conc\.img .* try again later or raise lock_timeout/);
    first.child.kill('SIGKILL');
    await first.child;
    passed++;
  });

  it('a forced run starts its build worker before it scans, and ends it when the image lock then times out (#17)', async () => {
    cases++;
    fs.writeFileSync(path.join(box.source, 'etc/version'), 'ahead\n');
    await settle();
    const traced = await runTraced('ltsp_image', args({ force: true }), box.scratch, 'execve');
    assert.equal(traced.code, 0, traced.stdout);
    const started = (pattern: RegExp) => traced.calls.findIndex((c) => pattern.test(c) && c.endsWith('= 0'));
    const worker = started(/execve\("[^"]*\/unshare", \["unshare", "--mount"/);
    const scan = started(/execve\("[^"]*\/find", \["find", /);
    assert.ok(worker >= 0 && scan > worker, `the worker (call ${worker}) starts before the scan's first find (call ${scan})`);
    const before = await hostSnapshot();
    const holder = holdLock(path.join(box.base, 'images/.conc.lock'));
    await holder.locked;
    const forced = await runModule('ltsp_image', args({ force: true, lock_timeout: 1 }));
    await holder.release();
    assert.equal(forced.code, 1, forced.stdout);
    assert.match(String(forced.result.msg), /Another run is working on /);
    await assertNothingLeaked(before);
    passed++;
  });

  it('a stale lock from a killed run never blocks the next run', async () => {
    cases++;
    const next = await runModule('ltsp_image', args({ lock_timeout: 0 }));
    assert.equal(next.code, 0, next.stdout);
    passed++;
  });

  it('runs on different images proceed in parallel', async () => {
    cases++;
    fs.writeFileSync(path.join(box.source, 'etc/version'), 'parallel\n');
    await settle();
    const first = startModule('ltsp_image', args(), { LTSP_IMAGE_FAILPOINT: 'fingerprint' });
    await first.reached('fingerprint');
    // Another box.source too: the paused run holds the first box.source's dpkg lock, as it should.
    const otherSource = path.join(box.scratch, 'src2');
    fs.mkdirSync(path.join(otherSource, 'etc'), { recursive: true });
    const other = await runModule('ltsp_image', args({ name: otherSource, image_name: 'other', lock_timeout: 0 }));
    assert.equal(other.code, 0, other.stdout);
    assert.equal(other.result.changed, true);
    first.child.kill('SIGKILL');
    await first.child;
    passed++;
  });

  it("waits for apt's dpkg lock in the box.source, and fails clearly after lock_timeout", async () => {
    cases++;
    fs.writeFileSync(path.join(box.source, 'etc/version'), 'apt\n');
    await settle();
    const apt = holdLock(path.join(box.source, 'var/lib/dpkg/lock'));
    await apt.locked;
    const timedOut = await runModule('ltsp_image', args({ lock_timeout: 1 }));
    assert.equal(timedOut.code, 1);
    assert.match(String(timedOut.result.msg), /A package management process is running in .* let it finish or raise lock_timeout/);
    const waiting = startModule('ltsp_image', args({ lock_timeout: 30 }));
    await waitFor(() => /waiting for it to finish/.test(waiting.stderr()), 'the run to say it waits for the dpkg lock');
    assert.match(waiting.stderr(), /waiting for it to finish/);
    await apt.release();
    const done = await waiting.result();
    assert.equal(done.code, 0, done.stdout);
    assert.equal(done.result.changed, true);
    passed++;
  });

  it('a source without a dpkg lock file builds with a warning', async () => {
    cases++;
    fs.rmSync(path.join(box.source, 'var/lib/dpkg/lock'));
    const r = await runModule('ltsp_image', args({ force: true }));
    assert.equal(r.code, 0, r.stdout);
    assert.ok((r.result.warnings as string[]).some((w) => /No package manager lock taken/.test(w)));
    fs.writeFileSync(path.join(box.source, 'var/lib/dpkg/lock'), '');
    passed++;
  });
});
