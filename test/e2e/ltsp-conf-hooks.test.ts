// ltsp.conf's PRE_IMAGE_* / POST_IMAGE_* hooks: the reference's order (checked against `ltsp image` itself), failures, check mode, unsafe files.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { referenceImage } from '../helpers/ltsp-reference.js';
import { requireRoot } from '../helpers/root.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** Each hook appends its name to $HOOKLOG and whether the image exists at that moment. */
function hookLines(names: string[], extra: string[] = []): string {
  const seen = (n: string) => `${n}='echo "${n} $(test -f "$BASE_DIR/images/fixture.img" && echo image || echo none)" >> "$HOOKLOG"'`;
  return [...names.map(seen), ...extra].join('\n');
}

describe('ltsp.conf hooks', function () {
  let scratch: string;
  let source: string;
  let n = 0;

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('ltsp-hooks-');
    source = (await makeChrootFixture(path.join(scratch, 'src/fixture'))).root;
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  /** A conf dir with ltsp.conf, its own base and tftp dirs and hook log. */
  async function setup(body: string, mode = 0o644) {
    const dir = path.join(scratch, `case${++n}`);
    await fs.mkdir(path.join(dir, 'etc-ltsp'), { recursive: true });
    const conf = path.join(dir, 'etc-ltsp/ltsp.conf');
    const log = path.join(dir, 'hooks.log');
    await fs.writeFile(conf, `[server]\nBASE_DIR=${dir}/base\nTFTP_DIR=${dir}/tftp\nHOOKLOG=${log}\n[image/]\n${body}\n`);
    await fs.chmod(conf, mode);
    return { dir, conf, log, confDir: path.join(dir, 'etc-ltsp') };
  }

  const readLog = (log: string) => fs.readFile(log, 'utf8').catch(() => '');
  const build = (conf: string, extra: Record<string, unknown> = {}) => runModule('ltsp_image', { name: source, ltsp_conf: conf, ...extra });

  it('runs PRE hooks before the build and POST hooks after, each in name order, as ltsp image does', async function () {
    // Assigned out of order, one empty (skipped), names that sort differently by case and digits.
    const body = hookLines(['POST_IMAGE_Z', 'PRE_IMAGE_b', 'PRE_IMAGE_B', 'POST_IMAGE_1', 'PRE_IMAGE_10', 'PRE_IMAGE_1', 'PRE_IMAGE_A_2'], ['PRE_IMAGE_EMPTY=', 'POST_IMAGE_OUT="echo to stdout"']);
    const ref = await setup(body);
    const mod = await setup(body);
    const refRun = await referenceImage(scratch, ref.confDir, [source]);
    assert.equal(refRun.code, 0, refRun.output);
    const run = await build(mod.conf);
    assert.equal(run.code, 0, run.stdout);
    const expected = ['PRE_IMAGE_1 none', 'PRE_IMAGE_10 none', 'PRE_IMAGE_A_2 none', 'PRE_IMAGE_B none', 'PRE_IMAGE_b none', 'POST_IMAGE_1 image', 'POST_IMAGE_Z image', ''].join('\n');
    assert.equal(await readLog(ref.log), expected);
    assert.equal(await readLog(mod.log), expected);
    // runModule proved stdout is one JSON object: the hook's echo went to stderr.
    assert.match(run.stderr, /to stdout/);
    assert.deepEqual(run.result.hooks, [
      ...['PRE_IMAGE_1', 'PRE_IMAGE_10', 'PRE_IMAGE_A_2', 'PRE_IMAGE_B', 'PRE_IMAGE_b', 'POST_IMAGE_1', 'POST_IMAGE_OUT', 'POST_IMAGE_Z'].map((name) => ({ name, exit: 0 })),
    ]);
  });

  it('a failing PRE hook fails the run before anything is built, naming the hook and its line', async function () {
    const mod = await setup(hookLines(['PRE_IMAGE_A', 'PRE_IMAGE_C', 'POST_IMAGE_A'], ["PRE_IMAGE_B='exit 3'"]));
    const run = await build(mod.conf);
    assertFailed(run, new RegExp(`^PRE_IMAGE_B \\(${mod.conf}:9\\) failed with exit status 3; nothing was built$`));
    assert.equal(await readLog(mod.log), 'PRE_IMAGE_A none\n');
    await assert.rejects(fs.stat(path.join(mod.dir, 'base/images/fixture.img')));
  });

  it('a failing POST hook fails the run after the build and stops the later POST hooks', async function () {
    const mod = await setup(hookLines(['POST_IMAGE_B'], ["POST_IMAGE_A='exit 4'"]));
    const run = await build(mod.conf);
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.result.failed, true);
    assert.equal(run.result.changed, true, 'the image was published: handlers must still run');
    assert.match(String(run.result.msg), /^Built .*; but POST_IMAGE_A \(.*:7\) failed with exit status 4; the image was built/);
    assert.deepEqual(run.result.hooks, [{ name: 'POST_IMAGE_A', exit: 4 }]);
    assert.equal(await readLog(mod.log), '');
    assert.ok(await fs.stat(path.join(mod.dir, 'base/images/fixture.img')));
  });

  it('ltsp_image_revert runs the PRE and POST hooks around the swap as ltsp image -r does; a failing PRE hook swaps nothing', async function () {
    const body = hookLines(['POST_IMAGE_B', 'PRE_IMAGE_A']);
    const ref = await setup(body);
    const mod = await setup(body);
    // Two generations, built without the file (no hooks), then the same two images in the reference's base dir.
    for (const force of [false, true]) {
      const built = await runModule('ltsp_image', { name: source, base_dir: `${mod.dir}/base`, tftp_dir: `${mod.dir}/tftp`, ltsp_conf: '', kernel: false, force });
      assert.equal(built.code, 0, built.stdout);
    }
    await fs.mkdir(`${ref.dir}/base/images`, { recursive: true });
    for (const file of ['fixture.img', 'fixture.img.old']) await fs.copyFile(`${mod.dir}/base/images/${file}`, `${ref.dir}/base/images/${file}`);
    const refRun = await referenceImage(scratch, ref.confDir, ['-r', source]);
    assert.equal(refRun.code, 0, refRun.output);
    const run = await runModule('ltsp_image_revert', { name: 'fixture', ltsp_conf: mod.conf, kernel: false });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.changed, true);
    assert.equal(await readLog(ref.log), 'PRE_IMAGE_A image\nPOST_IMAGE_B image\n');
    assert.equal(await readLog(mod.log), await readLog(ref.log));
    assert.deepEqual(run.result.hooks, [{ name: 'PRE_IMAGE_A', exit: 0 }, { name: 'POST_IMAGE_B', exit: 0 }]);
    await fs.writeFile(mod.conf, (await fs.readFile(mod.conf, 'utf8')).replace("PRE_IMAGE_A='", "PRE_IMAGE_A='exit 5; "));
    const active = await fs.readFile(`${mod.dir}/base/images/fixture.img`);
    assertFailed(await runModule('ltsp_image_revert', { name: 'fixture', ltsp_conf: mod.conf, kernel: false }), /^PRE_IMAGE_A \(.*:\d+\) failed with exit status 5; nothing was reverted$/);
    assert.ok(active.equals(await fs.readFile(`${mod.dir}/base/images/fixture.img`)), 'the failing PRE hook swapped nothing');
  });

  it('check mode runs no hook and says so', async function () {
    const mod = await setup(hookLines(['PRE_IMAGE_A', 'POST_IMAGE_A']));
    const run = await build(mod.conf, { check_mode: true });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(await readLog(mod.log), '');
    assert.match(String(run.result.warnings), /Check mode runs no ltsp\.conf hook: PRE_IMAGE_A, POST_IMAGE_A not run/);
  });

  it('refuses hooks from a file others could write, or not owned by root, and builds nothing', async function () {
    const writable = await setup(hookLines(['PRE_IMAGE_A']), 0o664);
    assertFailed(await build(writable.conf), /writable by group or others \(mode 0664\); run: chmod go-w .*; no PRE_IMAGE_\* hook was run and nothing was built/);
    const foreign = await setup(hookLines(['PRE_IMAGE_A']));
    await fs.chown(foreign.conf, 1000, 1000);
    assertFailed(await build(foreign.conf), /is not owned by root \(uid 1000\); run: chown root/);
    for (const c of [writable, foreign]) {
      assert.equal(await readLog(c.log), '');
      await assert.rejects(fs.stat(path.join(c.dir, 'base/images/fixture.img')));
    }
    // Without hooks, the same file's settings are still read.
    const plain = await setup('', 0o664);
    assert.equal((await build(plain.conf)).code, 0);
  });
});
