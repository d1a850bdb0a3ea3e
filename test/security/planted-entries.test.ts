// Whoever can write a directory the modules write to (node_exporter's textfile dir, TFTP, images) plants symlinks and directories at every name they could predict (#13 item 1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { recordedGenerations } from '../helpers/image-store.js';
import { runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { runTraced } from '../helpers/strace.js';
import { useSandbox } from '../helpers/sandbox.js';

const VICTIM_TEXT = 'root:$6$untouched:19000:0:99999:7:::\n';

describe('planted symlinks and directories at predictable names (#13 item 1)', function () {
  const box = useSandbox('planted-', 'chroot');
  let metricsDir: string;
  let victim: string;
  let attacks = 0;
  let defeated = 0;
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, metrics_file: path.join(metricsDir, 'fixture.prom'), ...extra });
  const change = async (what: string) => {
    fs.writeFileSync(path.join(box.base, 'fixture/etc/planted-marker'), `${what}\n`);
    await settle();
  };
  const assertVictimIntact = () => assert.equal(fs.readFileSync(victim, 'utf8'), VICTIM_TEXT, 'a planted symlink was followed: the victim file was overwritten');

  before(async function () {
    metricsDir = path.join(box.scratch, 'textfile');
    fs.mkdirSync(metricsDir, { recursive: true });
    victim = path.join(box.scratch, 'shadow');
    fs.writeFileSync(victim, VICTIM_TEXT);
    assert.equal((await runModule('ltsp_image', args())).code, 0);
  });
  after(async function () {
    process.stdout.write(`      planted entries: ${attacks} attacks, ${defeated} defeated\n`);
  });

  it('metrics: symlinks at the temp name for the next 3000 PIDs are never followed', async () => {
    attacks++;
    const last = Number(fs.readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    for (let i = 1; i <= 3000; i++) fs.symlinkSync(victim, path.join(metricsDir, `.fixture.prom.${(last + i) % max}.tmp`));
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 0, run.stdout);
    assertVictimIntact();
    assert.match(fs.readFileSync(path.join(metricsDir, 'fixture.prom'), 'utf8'), /^# HELP ltsp_image_/);
    assert.equal(fs.lstatSync(path.join(metricsDir, 'fixture.prom')).isFile(), true);
    defeated++;
  });

  it('state, backup link and lock: symlinks and directories at their old fixed names neither followed nor a lasting failure', async () => {
    attacks++;
    const absent = path.join(box.scratch, 'created-through-a-symlink');
    fs.symlinkSync(victim, path.join(box.images, 'fixture.img.json.tmp'));
    fs.mkdirSync(path.join(box.images, 'fixture.img.old.tmp'));
    fs.writeFileSync(path.join(box.images, 'fixture.img.old.tmp/keep'), 'x');
    fs.rmSync(path.join(box.images, '.fixture.lock'));
    fs.symlinkSync(absent, path.join(box.images, '.fixture.lock'));
    await change('lock and state');
    const run = await runModule('ltsp_image', args());
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.reason, 'source_changed');
    assert.ok((run.result.warnings as string[]).some((w) => /\.fixture\.lock was a symlink, which this module never makes: moved it to /.test(w)), run.stdout);
    assertVictimIntact();
    assert.equal(fs.existsSync(absent), false, 'the lock was opened through a symlink');
    assert.equal(fs.lstatSync(path.join(box.images, '.fixture.lock')).isFile(), true);
    const again = await runModule('ltsp_image', args());
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
    defeated++;
  });

  it('strace of a rebuild: every file created in the images, metrics and TFTP dirs is created O_EXCL|O_NOFOLLOW, but mksquashfs\'s output and the lock', async () => {
    attacks++;
    fs.rmSync(path.join(box.tftp, 'ltsp/fixture'), { recursive: true, force: true });
    const run = await runTraced('ltsp_image', args({ force: true }), box.scratch);
    assert.equal(run.code, 0, run.stdout);
    const watched = [box.images, metricsDir, box.tftp].map((d) => `"${d}/`);
    const creates = run.calls.filter((c) => c.includes('O_CREAT') && watched.some((d) => c.includes(d)));
    assert.ok(creates.length >= 5, `state, journal, metrics, vmlinuz and initrd temps: ${creates.join('\n')}`);
    const unsafe = creates.filter((c) => !/O_EXCL\|O_NOFOLLOW/.test(c) && !/\/fixture\.img\.tmp"/.test(c) && !/\/\.fixture\.lock", [^)]*O_NOFOLLOW/.test(c));
    assert.deepEqual(unsafe, []);
    defeated++;
  });

  it('a directory where a state file goes, and a symlink where the checksum cache goes: moved aside, the build goes on', async () => {
    attacks++;
    fs.rmSync(path.join(box.images, 'fixture.img.json'));
    fs.mkdirSync(path.join(box.images, 'fixture.img.json'));
    fs.symlinkSync(victim, path.join(box.images, '.fixture.checksums'));
    const run = await runModule('ltsp_image', args({ compare: 'checksum' }));
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.changed, true);
    assertVictimIntact();
    const warnings = (run.result.warnings as string[]).join('\n');
    assert.match(warnings, /fixture\.img\.json was a directory, which this module never makes: moved it to /);
    assert.match(warnings, /\.fixture\.checksums was a symlink, which this module never makes: moved it to /);
    assert.equal(typeof recordedGenerations(box.images, 'fixture').get('fixture.img'), 'number');
    const again = await runModule('ltsp_image', args({ compare: 'checksum' }));
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
    defeated++;
  });
});
