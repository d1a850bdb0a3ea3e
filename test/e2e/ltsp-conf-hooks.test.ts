// ltsp.conf's PRE_IMAGE_* / POST_IMAGE_* hooks: the reference's order (checked against `ltsp image` itself), failures, check mode, unsafe and swapped files, their processes.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { referenceImage } from '../helpers/reference.js';
import { requireRoot } from '../helpers/root.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { processesRunning } from '../helpers/proc.js';
import { waitFor } from '../helpers/settle.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
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

  it('refuses the whole of a file others could write, or not owned by root: no hook, no setting, nothing built', async function () {
    // As ltsp.conf(5) has it made: install -m 0660 -g sudo, so that sudo users edit it without sudo.
    const writable = await setup(hookLines(['PRE_IMAGE_A']), 0o660);
    await fs.chown(writable.conf, 0, 27);
    assertFailed(await build(writable.conf), /^Option ltsp_conf: .*ltsp\.conf is writable by group or others \(mode 0660\), so it is not trusted: its settings run as root; run: chmod go-w .*ltsp\.conf, then edit it with sudoedit$/);
    const foreign = await setup(hookLines(['PRE_IMAGE_A']));
    await fs.chown(foreign.conf, 1000, 1000);
    assertFailed(await build(foreign.conf), /^Option ltsp_conf: .*ltsp\.conf is owned by uid 1000 \(mode 0644\), not by root, .*; run: chown root:root .*ltsp\.conf$/);
    // Without hooks too: its settings (IONICE is a command prefix run as root, BASE_DIR where images go) are not used either.
    const plain = await setup('', 0o664);
    assertFailed(await build(plain.conf), /is writable by group or others/);
    for (const c of [writable, foreign, plain]) {
      assert.equal(await readLog(c.log), '');
      await assert.rejects(fs.stat(path.join(c.dir, 'base/images/fixture.img')));
    }
  });

  it("trusts the file by what it was when read: one someone else could write is refused at once, even if swapped for root's before the POST hooks", async function () {
    // Its IONICE (run as root before the POST hooks) would put a symlink to a root-owned file at its name.
    const mod = await setup('', 0o644);
    const swap = path.join(mod.dir, 'swap.sh');
    const rootOwned = path.join(mod.dir, 'root-owned.conf');
    await fs.writeFile(rootOwned, '[server]\n');
    await fs.writeFile(swap, `#!/bin/sh\nln -s ${rootOwned} ${mod.conf}.new && mv -T ${mod.conf}.new ${mod.conf}\nexec "$@"\n`, { mode: 0o755 });
    await fs.appendFile(mod.conf, `IONICE=${swap}\n${hookLines(['POST_IMAGE_A'])}\n`);
    await fs.chown(mod.conf, 1000, 1000);
    assertFailed(await build(mod.conf), /^Option ltsp_conf: .* is owned by uid 1000/);
    assert.ok((await fs.lstat(mod.conf)).isFile(), 'IONICE did not run');
    assert.equal(await readLog(mod.log), '');
    await assert.rejects(fs.stat(path.join(mod.dir, 'base/images/fixture.img')));
  });

  it("runs the POST hooks of the text read at the start, whatever is at the file's name after the PRE hooks", async function () {
    // The PRE hook puts a symlink to a file owned by someone else, with other hooks, at the name.
    const mod = await setup('', 0o644);
    const other = path.join(mod.dir, 'other.conf');
    await fs.writeFile(other, `[image/]\n${hookLines(['POST_IMAGE_OTHER'])}\n`);
    await fs.chown(other, 1000, 1000);
    const swap = `ln -s ${other} ${mod.conf}.new && mv -T ${mod.conf}.new ${mod.conf}`;
    await fs.appendFile(mod.conf, `${hookLines(['POST_IMAGE_B'])}\nPRE_IMAGE_A='${swap}'\n`);
    const run = await build(mod.conf);
    assert.equal(run.code, 0, run.stdout);
    assert.ok((await fs.lstat(mod.conf)).isSymbolicLink(), 'the PRE hook swapped the file');
    assert.equal(await readLog(mod.log), 'POST_IMAGE_B image\n');
    assert.deepEqual(run.result.hooks, [{ name: 'PRE_IMAGE_A', exit: 0 }, { name: 'POST_IMAGE_B', exit: 0 }]);
  });

  describe("a hook's processes end with it", function () {
    /** A hook's sleeps run as this symlink, so this test's processes are told apart by their command line. */
    let sleeper: string;
    const sleeping = () => processesRunning(sleeper);
    before(async function () {
      sleeper = path.join(scratch, `hook-sleeper-${process.pid}`);
      await fs.symlink((await execa('sh', ['-c', 'command -v sleep'])).stdout, sleeper);
    });
    afterEach(async function () {
      for (const pid of sleeping()) process.kill(pid, 'SIGKILL');
      await killStarted();
    });

    /** Background jobs, two in a nested shell that its parent leaves behind, a line in the log, then `last`. */
    const hook = (last: string) => `PRE_IMAGE_A='"$SLEEPER" 1000 & (sh -c "\\"$SLEEPER\\" 1001 & \\"$SLEEPER\\" 1002" &); echo started >> "$HOOKLOG"; ${last}'`;

    it('SIGTERM during a PRE hook ends all its processes, background and nested ones included, before the run ends', async function () {
      const mod = await setup(`SLEEPER=${sleeper}\n${hook('"$SLEEPER" 1003')}`);
      const run = startModule('ltsp_image', { name: source, ltsp_conf: mod.conf });
      await waitFor(async () => (await readLog(mod.log)) !== '' && sleeping().length === 4, 'the hook and its four sleeps');
      run.child.kill('SIGTERM');
      // A run ends within 2 s of SIGTERM (1 s of grace for the hook's processes); the deadline leaves room for a loaded machine.
      await waitFor(() => run.child.exitCode !== null, 'the run to end after SIGTERM', 15_000);
      assert.deepEqual(sleeping(), [], 'a process of the hook outlived the run');
      const done = await run.result();
      assert.equal(done.code, 1, done.stdout);
      assert.match(String(done.result.msg), /^Interrupted by SIGTERM; .*; PRE_IMAGE_A \(.*ltsp\.conf:\d+\) was interrupted and its processes ended$/);
      await assert.rejects(fs.stat(path.join(mod.dir, 'base/images/fixture.img')));
    });

    it('a PRE hook that exits leaving background jobs: they are ended before the build, with a warning', async function () {
      const mod = await setup(`SLEEPER=${sleeper}\n${hook('true')}`);
      const run = startModule('ltsp_image', { name: source, ltsp_conf: mod.conf, kernel: false });
      await waitFor(() => run.child.exitCode !== null, 'the run to end', 120_000);
      assert.deepEqual(sleeping(), [], 'a process of the hook outlived it');
      const done = await run.result();
      assert.equal(done.code, 0, done.stdout);
      assert.match(String(done.result.warnings), /PRE_IMAGE_A \(.*\) left processes running; they were ended/);
    });
  });
});
