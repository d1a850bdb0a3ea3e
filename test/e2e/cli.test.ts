// The command line for people: reference-style flags, a summary on pipes, live phases and mksquashfs's bar on a real terminal, --json.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { requireRoot } from '../helpers/root.js';
import { bundleDir, node18, parseSingleJson, projectRoot, runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { Terminal } from '../helpers/terminal.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const MODULES = ['ltsp_image', 'ltsp_image_revert', 'ltsp_image_info'];
const PLACES = ['--base-dir', 'srv/ltsp', '--tftp-dir', 'srv/tftp'];
const CONTROL = /[\x1b\r]/;

describe('command line', function () {
  let scratch = '';
  let images = '';
  const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const cli = (module: string, args: string[], node = process.execPath) =>
    execa(node, [path.join(bundleDir, module), ...args], { cwd: scratch, reject: false, stdin: 'ignore', encoding: 'utf8', env: { LANG: 'C.UTF-8' } });

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('cli-');
    images = path.join(scratch, 'srv/ltsp/images');
    await makeChrootFixture(path.join(scratch, 'srv/ltsp/classroom'));
    const bulky = path.join(scratch, 'srv/ltsp/bulky');
    await makeChrootFixture(bulky);
    // Incompressible data, so mksquashfs on one processor takes a few seconds and draws its bar many times.
    fs.mkdirSync(path.join(bulky, 'opt/data'));
    for (let i = 0; i < 48; i++) fs.writeFileSync(path.join(bulky, `opt/data/blob${i}`), crypto.randomBytes(1 << 20));
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('--help lists every option of each module as a flag, the reference letters first', async () => {
    for (const module of MODULES) {
      const run = await cli(module, ['--help']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: ${module} \\[OPTION\\]\\.\\.\\. \\[?IMAGE\\.\\.\\.`));
      const schema = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', `${module}.schema.json`), 'utf8'));
      for (const option of Object.keys(schema.definitions.options.properties).filter((o) => o !== 'name')) {
        assert.match(run.stdout, new RegExp(`--(\\[no-\\])?${option.replace(/_/g, '-')}\\b`), `${module} --help shows ${option}`);
      }
      for (const flag of ['-C, --check', '--json', '-h, --help']) assert.ok(run.stdout.includes(flag), `${module} --help shows ${flag}`);
      assert.ok(run.stdout.split('\n').every((l) => l.length <= 80 || !l.trim().includes(' ')), 'lines fit 80 columns');
    }
    const version = await cli('ltsp_image_info', ['--version']);
    assert.match(version.stdout, /^ltsp_image_info \d+\.\d+\.\d+$/);
    const bare = await cli('ltsp_image', []);
    assert.equal(bare.exitCode, 1, 'no arguments and nothing piped: the JSON protocol says so');
    assert.match(parseSingleJson(bare.stdout).msg ?? '', /No arguments in stdin/);
    const help = (await cli('ltsp_image', ['-h'], node18)).stdout;
    for (const flag of ['-b, --backup=0|1', '-c, --cleanup=0|1', '-i, --ionice=CMD', '-k, --kernel-initrd=GLOB-REGEX', '-m, --mksquashfs-params=PARAMS', '--force', '--[no-]kernel']) {
      assert.ok(help.includes(flag), `ltsp_image --help (Node 18) shows ${flag}`);
    }
  });

  it('builds with the reference flags and prints a plain summary on a pipe, then says ok', async () => {
    const flags = [...PLACES, '-b', '1', '-c', '1', '-i', '', '-m', '-comp gzip -b 256K'];
    const first = await cli('ltsp_image', [...flags, 'classroom']);
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    const out = first.stdout.split('\n');
    assert.match(out[0]!, /^classroom: changed: Built .*\/srv\/ltsp\/images\/classroom\.img: missing, there is no image yet; .* in /);
    assert.match(first.stdout, /^ {2}image {6}.*classroom\.img, [\d.]+ [KM]B, generation 1, not reproducible$/m);
    assert.match(first.stdout, /^ {2}kernel {5}vmlinuz -> .*\/srv\/tftp\/ltsp\/classroom\/vmlinuz$/m);
    assert.match(first.stdout, /^ {2}time {7}[\d.]+ s \(mksquashfs [\d.]+ s\)$/m);
    assert.match(first.stderr, /^ {2}mksquashfs done in [\d.]+ s$/m);
    assert.doesNotMatch(first.stdout + first.stderr, CONTROL, 'no colours, \\r or bars on a pipe');

    const again = await cli('ltsp_image', [...flags, '--json', 'classroom']);
    assert.equal(again.exitCode, 0);
    assert.equal(again.stderr, '', 'nothing but the JSON with --json on a pipe');
    const result = parseSingleJson(again.stdout);
    assert.equal(result.changed, false);
    assert.equal(result.reason, 'up_to_date');
    const command = result.command as string[];
    assert.equal(command[0], 'mksquashfs', '-i "" means no nice/ionice prefix');
    assert.deepEqual(command.slice(-4), ['-comp', 'gzip', '-b', '256K']);
    assert.equal((result.invocation as { module_args: Record<string, unknown> }).module_args.base_dir, path.join(scratch, 'srv/ltsp'), 'relative dirs are taken from the working dir');

    const third = await cli('ltsp_image', [...flags, 'classroom']);
    assert.equal(third.exitCode, 0);
    assert.match(third.stdout, /^classroom: ok: classroom is up to date: nothing that ends up in the image changed\n {2}image .*generation 1\n {2}time /);
  });

  it('--check shows the drift and what would happen, and changes nothing', async () => {
    const image = path.join(images, 'classroom.img');
    const before = sha(image);
    fs.writeFileSync(path.join(scratch, 'srv/ltsp/classroom/etc/motd'), 'Exam week: no games\n');
    await settle();
    const run = await cli('ltsp_image', [...PLACES, '-i', '', '-m', '-comp gzip -b 256K', '--check', 'classroom']);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^classroom: would change: Would build .*classroom\.img: source changed/);
    assert.match(run.stdout, /^ {2}drift {6}1 added, 0 removed, 0 modified: \+etc\/motd$/m);
    assert.equal(sha(image), before);
    assert.equal(fs.existsSync(path.join(images, 'classroom.img.old')), false);
  });

  it('-c 0 keeps the accounts in the image and -b 0 keeps no backup, like ltsp image', async () => {
    const run = await cli('ltsp_image', [...PLACES, '-c', '0', '-b', '0', '--json', 'classroom']);
    const result = parseSingleJson(run.stdout);
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(result.changed, true);
    assert.equal(result.backup, null);
    assert.equal(fs.existsSync(path.join(images, 'classroom.img.old')), false);
    const passwd = await execa('unsquashfs', ['-cat', path.join(images, 'classroom.img'), 'etc/passwd']);
    assert.match(passwd.stdout, /^alice:/m, 'cleanup 0 leaves the users');
  });

  it('runs several images in turn: a failure does not stop the others, and the exit status is 1', async () => {
    const human = await cli('ltsp_image', [...PLACES, '-c', '0', '-b', '0', 'classroom', 'nosuch']);
    assert.equal(human.exitCode, 1);
    assert.match(human.stdout, /^classroom: ok: classroom is up to date/m);
    assert.match(human.stdout, /^nosuch: failed: Image does not exist: nosuch \(looked for .*\)$/m);
    const json = await cli('ltsp_image', [...PLACES, '-c', '0', '-b', '0', '--json', 'nosuch', 'classroom']);
    assert.equal(json.exitCode, 1);
    const result = parseSingleJson(json.stdout) as { failed?: boolean; changed?: boolean; msg?: string; results?: Record<string, unknown>[] };
    assert.equal(result.failed, true);
    assert.equal(result.msg, '2 images: 0 changed, 1 failed');
    assert.equal(result.results?.length, 2);
    assert.match(String(result.results?.[0]?.msg), /Image does not exist: nosuch/);
    assert.equal(result.results?.[1]?.reason, 'up_to_date');
  });

  it('--json prints the same result as the module protocol', async () => {
    const args = { name: 'classroom', base_dir: path.join(scratch, 'srv/ltsp'), tftp_dir: path.join(scratch, 'srv/tftp'), cleanup: false, backup: false, force: true };
    const viaStdin = await runModule('ltsp_image', { ...args, check_mode: true }, { cwd: scratch });
    const viaFlags = parseSingleJson((await cli('ltsp_image', [...PLACES, '-c', '0', '-b', '0', '--force', '--check', '--json', 'classroom'])).stdout);
    assert.deepEqual(Object.keys(viaFlags).sort(), Object.keys(viaStdin.result).sort());
    assert.equal(viaFlags.msg, viaStdin.result.msg);
    assert.deepEqual(viaFlags.invocation, viaStdin.result.invocation);
  });

  it('ltsp_image_revert and ltsp_image_info take the same flags', async () => {
    const revert = await cli('ltsp_image_revert', [...PLACES, 'classroom']);
    assert.equal(revert.exitCode, 1, 'no backup yet');
    assert.match(revert.stdout, /^classroom: failed: Cannot revert, backup is missing: .*classroom\.img\.old/m);
    await cli('ltsp_image', [...PLACES, '--force', 'classroom']);
    const first = await cli('ltsp_image_revert', [...PLACES, 'classroom']);
    assert.equal(first.exitCode, 0, first.stdout);
    assert.match(first.stdout, /^classroom: changed: Reverted classroom: generation \d+, built .* is active/);
    const second = await cli('ltsp_image_revert', [...PLACES, 'classroom']);
    assert.match(second.stdout, /^classroom: ok: classroom is already reverted: .* is active; use --force to swap with the backup anyway$/m);
    const info = await cli('ltsp_image_info', PLACES);
    assert.equal(info.exitCode, 0, info.stderr);
    assert.match(info.stdout, /^ltsp_image_info: ok: 1 image in .*\/srv\/ltsp\/images, 0 drifted\n {2}IMAGE {6}GEN +SIZE +BUILT +KEPT +DRIFTED\n {2}classroom +\d+ +[\d.]+ [KM]B +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +\d+ +no$/m);
  });

  describe('on a terminal (tmux)', function () {
    let term: Terminal | undefined;
    afterEach(async () => {
      await term?.close();
      term = undefined;
    });

    it('shows each phase with its time, a live mksquashfs bar, then the summary', async () => {
      term = await Terminal.start([process.execPath, path.join(bundleDir, 'ltsp_image'), ...PLACES, '-m', '-processors 1', 'bulky'], { cwd: scratch, env: { LANG: 'C.UTF-8' } });
      assert.equal(await term.waitForExit(), 0, term.lines().join('\n'));
      const lines = term.lines();
      for (const phase of ['resolve', 'fingerprint', 'mount', 'cleanup', 'mksquashfs', 'find kernel', 'publish', 'kernel']) {
        assert.ok(lines.some((l) => new RegExp(`^ {2}✓ ${phase} +[\\d.]+ s$`).test(l)), `phase ${phase} shown as done:\n${lines.join('\n')}`);
      }
      assert.ok(lines.some((l) => /^bulky: changed: Built .*bulky\.img: missing/.test(l)), lines.join('\n'));
      const percents = [...term.raw().matchAll(/ mksquashfs +[█░]{10,} +(\d+)%/g)].map((m) => Number(m[1]));
      assert.ok(new Set(percents).size >= 3, `the bar moved: ${percents.join(' ')}`);
      assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'the bar never goes back');
      assert.equal(percents.at(-1), 100);
    });

    it('works the same with Node 18.19', async () => {
      term = await Terminal.start([node18, path.join(bundleDir, 'ltsp_image'), ...PLACES, '--force', '-m', '-processors 1', 'bulky'], { cwd: scratch, env: { LANG: 'C.UTF-8' } });
      assert.equal(await term.waitForExit(), 0, term.lines().join('\n'));
      const lines = term.lines();
      assert.ok(lines.some((l) => /^ {2}✓ mksquashfs +[\d.]+ s$/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^bulky: changed: Built .*bulky\.img: forced/.test(l)), lines.join('\n'));
      assert.match(term.raw(), / mksquashfs +[█░]{10,} +100%/);
    });

    it('draws ASCII without a UTF-8 locale, and Ctrl-C stops cleanly, leaving the image as it was', async () => {
      const image = path.join(images, 'bulky.img');
      const before = sha(image);
      const host = await hostSnapshot();
      term = await Terminal.start([process.execPath, path.join(bundleDir, 'ltsp_image'), ...PLACES, '--force', '-m', '-processors 1 -comp xz', 'bulky', 'classroom'], { cwd: scratch, env: { LANG: 'C' } });
      await term.waitFor(() => / mksquashfs +#+\.+ +\d+%/.test(term!.raw()), 'the ASCII bar');
      await term.keys('C-c');
      assert.equal(await term.waitForExit(), 1);
      const lines = term.lines();
      assert.ok(lines.includes('  x mksquashfs'), lines.join('\n'));
      assert.ok(lines.some((l) => /^bulky: failed: Interrupted by SIGINT; the previous image was left as it was$/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^ {2}\+ mount +[\d.]+ s$/.test(l)), lines.join('\n'));
      assert.ok(lines.includes('classroom: skipped: Not started: the run was interrupted'), lines.join('\n'));
      assert.doesNotMatch(term.raw(), /Traceback|KeyboardInterrupt/);
      assert.equal(sha(image), before);
      assert.equal(fs.existsSync(`${image}.tmp`), false);
      await assertNothingLeaked(host);
    });
  });
});
