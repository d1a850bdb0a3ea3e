// Runs on the same image queue up on a kernel-released lock; runs on different images go side by side; apt's lock is honoured.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LOCK_HELPER } from '../../src/store/lock-helper.js';
import { requireRoot } from '../helpers/root.js';
import { runModule } from '../helpers/run-module.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';
import { settle } from '../helpers/settle.js';


/** Holds an fcntl lock on a file from another process, as apt or another run would. */
function holdLock(file: string) {
  const child = execa('perl', ['-e', LOCK_HELPER, file, '5', '1'], { stdin: 'pipe', reject: false });
  const locked = new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
  return { locked, release: async () => { child.stdin?.end(); await child; } };
}

describe('concurrency', function () {
  let scratch: string;
  let base: string;
  let tftp: string;
  let source: string;
  let cases = 0;
  let passed = 0;

  const args = (extra: Record<string, unknown> = {}) => ({ name: source, image_name: 'conc', base_dir: base, tftp_dir: tftp, ...extra });

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('conc-');
    base = path.join(scratch, 'ltsp');
    tftp = path.join(scratch, 'tftp');
    source = path.join(scratch, 'src');
    fs.mkdirSync(path.join(source, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(source, 'var/lib/dpkg'), { recursive: true });
    fs.writeFileSync(path.join(source, 'var/lib/dpkg/lock'), '');
    fs.mkdirSync(base, { recursive: true });
  });
  afterEach(killStarted);
  after(async function () {
    if (scratch) await removeScratch(scratch);
    process.stdout.write(`      concurrency: ${cases} scenarios, ${passed} serialised correctly\n`);
  });

  for (const count of [2, 10]) {
    it(`${count} runs on one changed image at once: exactly one builds, the others wait and report up_to_date`, async () => {
      cases++;
      fs.writeFileSync(path.join(source, 'etc/version'), `${count}\n`);
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
    fs.writeFileSync(path.join(source, 'etc/version'), 'held\n');
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

  it('a stale lock from a killed run never blocks the next run', async () => {
    cases++;
    const next = await runModule('ltsp_image', args({ lock_timeout: 0 }));
    assert.equal(next.code, 0, next.stdout);
    passed++;
  });

  it('runs on different images proceed in parallel', async () => {
    cases++;
    fs.writeFileSync(path.join(source, 'etc/version'), 'parallel\n');
    await settle();
    const first = startModule('ltsp_image', args(), { LTSP_IMAGE_FAILPOINT: 'fingerprint' });
    await first.reached('fingerprint');
    // Another source too: the paused run holds the first source's dpkg lock, as it should.
    const otherSource = path.join(scratch, 'src2');
    fs.mkdirSync(path.join(otherSource, 'etc'), { recursive: true });
    const other = await runModule('ltsp_image', args({ name: otherSource, image_name: 'other', lock_timeout: 0 }));
    assert.equal(other.code, 0, other.stdout);
    assert.equal(other.result.changed, true);
    first.child.kill('SIGKILL');
    await first.child;
    passed++;
  });

  it("waits for apt's dpkg lock in the source, and fails clearly after lock_timeout", async () => {
    cases++;
    fs.writeFileSync(path.join(source, 'etc/version'), 'apt\n');
    await settle();
    const apt = holdLock(path.join(source, 'var/lib/dpkg/lock'));
    await apt.locked;
    const timedOut = await runModule('ltsp_image', args({ lock_timeout: 1 }));
    assert.equal(timedOut.code, 1);
    assert.match(String(timedOut.result.msg), /A package management process is running in .* let it finish or raise lock_timeout/);
    const waiting = startModule('ltsp_image', args({ lock_timeout: 30 }));
    await new Promise((r) => setTimeout(r, 1500));
    assert.match(waiting.stderr(), /waiting for it to finish/);
    await apt.release();
    const done = await waiting.result();
    assert.equal(done.code, 0, done.stdout);
    assert.equal(done.result.changed, true);
    passed++;
  });

  it('a source without a dpkg lock file builds with a warning', async () => {
    cases++;
    fs.rmSync(path.join(source, 'var/lib/dpkg/lock'));
    const r = await runModule('ltsp_image', args({ force: true }));
    assert.equal(r.code, 0, r.stdout);
    assert.ok((r.result.warnings as string[]).some((w) => /No package manager lock taken/.test(w)));
    fs.writeFileSync(path.join(source, 'var/lib/dpkg/lock'), '');
    passed++;
  });
});
