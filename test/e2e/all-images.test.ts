// A command line without IMAGE builds every detected image source, like `ltsp image` with no name, and refuses more than three unless ALL_IMAGES=1.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { referenceImage } from '../helpers/reference.js';
import { requireRoot } from '../helpers/root.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** The smallest tree both tools build: proc/ makes it a chroot, the account files let cleanup run. */
async function chroot(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'proc'), { recursive: true });
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(path.join(dir, 'etc/group'), 'root:x:0:\n');
  await fs.writeFile(path.join(dir, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  await fs.writeFile(path.join(dir, 'etc/gshadow'), 'root:*::\n', { mode: 0o640 });
  await fs.writeFile(path.join(dir, 'etc/hostname'), `${path.basename(dir)}\n`);
}

describe('ltsp_image without IMAGE', function () {
  let scratch: string;
  let n = 0;

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('all-images-');
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  /** A base dir with these chroots, an empty ltsp.conf dir for the reference, and the module's CLI on it. */
  async function setup(names: string[]) {
    const dir = path.join(scratch, `case${++n}`);
    for (const name of names) await chroot(path.join(dir, 'base', name));
    await fs.mkdir(path.join(dir, 'etc-ltsp'));
    await fs.writeFile(path.join(dir, 'etc-ltsp/ltsp.conf'), '[server]\n');
    const base = path.join(dir, 'base');
    const cli = (extra: string[], env: Record<string, string> = {}) =>
      runModule('ltsp_image', '', { argv: ['--json', '--base-dir', base, '--tftp-dir', path.join(dir, 'tftp'), '--ltsp-conf', '', ...extra], env });
    const built = async () => (await fs.readdir(path.join(base, 'images')).catch(() => [] as string[])).filter((f) => f.endsWith('.img')).sort();
    return { dir, base, cli, built, confDir: path.join(dir, 'etc-ltsp') };
  }

  it('builds the one detected image', async function () {
    const c = await setup(['solo']);
    const run = await c.cli(['--']);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.image_name, 'solo');
    assert.equal(run.result.changed, true);
    assert.deepEqual(await c.built(), ['solo.img']);
    // Its own image is found again by the same name, not built twice.
    const again = await c.cli(['--check']);
    assert.equal(again.result.image_name, 'solo');
    assert.equal(again.result.reason, 'up_to_date');
  });

  it('builds three, in name order, as ltsp image does', async function () {
    const names = ['gamma', 'alpha', 'beta'];
    const c = await setup(names);
    const ref = await setup(names);
    const refRun = await referenceImage(scratch, ref.confDir, [], { BASE_DIR: ref.base, TFTP_DIR: path.join(ref.dir, 'tftp') });
    assert.equal(refRun.code, 0, refRun.output);
    const run = await c.cli(['-b', '0']);
    assert.equal(run.code, 0, run.stdout);
    const results = run.result.results as Record<string, unknown>[];
    assert.deepEqual(results.map((r) => r.image_name), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(await c.built(), await ref.built());
    assert.deepEqual(await c.built(), ['alpha.img', 'beta.img', 'gamma.img']);
  });

  it('refuses four unless ALL_IMAGES=1 (environment or ltsp.conf), as ltsp image does, building nothing', async function () {
    const names = ['a', 'b', 'c', 'd'];
    const c = await setup(names);
    const ref = await setup(names);
    const refRun = await referenceImage(scratch, ref.confDir, [], { BASE_DIR: ref.base, TFTP_DIR: path.join(ref.dir, 'tftp') });
    assert.notEqual(refRun.code, 0);
    assert.match(refRun.output, /Refusing to run ltsp image for 4 detected images/);
    assertFailed(await c.cli([]), /^Refusing to build 4 detected images \(a, b, c, d\) at once: set ALL_IMAGES=1 to allow this, or name the IMAGEs$/);
    assert.deepEqual(await c.built(), []);
    assert.deepEqual(await ref.built(), []);
    // In ltsp.conf, as the reference reads it too.
    const conf = path.join(c.dir, 'etc-ltsp/ltsp.conf');
    await fs.writeFile(conf, '[server]\nALL_IMAGES=1\n');
    const check = await runModule('ltsp_image', '', { argv: ['--json', '--check', '--base-dir', c.base, '--ltsp-conf', conf] });
    assert.equal((check.result.results as unknown[]).length, 4, check.stdout);
    const run = await c.cli([], { ALL_IMAGES: '1' });
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(await c.built(), ['a.img', 'b.img', 'c.img', 'd.img']);
  });

  it('keeps name required in module mode', async function () {
    assertFailed(await runModule('ltsp_image', { base_dir: path.join(scratch, 'case1/base') }), /^Missing required option: name$/);
  });
});
