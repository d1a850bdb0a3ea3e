// The installed collection's playbooks over real SSH, with Ansible's default output, as an admin reads it: the nightly run and
// status.yml, a revert, the iPXE menu after a failed image and a killed controller, and a state the canary rejected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ansibleEnv, installCollection } from '../helpers/ansible.js';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { requireRoot } from '../helpers/root.js';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { settle, waitFor } from '../helpers/settle.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const HOSTS = { alpha: '127.0.0.2', beta: '127.0.0.3', gamma: '127.0.0.4' } as const;
type Host = keyof typeof HOSTS;

describe('the fleet over SSH: nightly output, status, revert, the iPXE menu and the canary', function () {
  this.timeout(300_000);
  let scratch: string;
  let sshd: Sshd | undefined;
  let inventory: string;
  let nightly: string;
  let record: string;
  const dirOf = (host: Host) => path.join(scratch, host);

  /** ansible-playbook with the default callback and no -v, as the systemd unit runs it, in a process group of its own. */
  const start = (playbook: string, args: string[] = []) => {
    const env = ansibleEnv({ ANSIBLE_COLLECTIONS_PATH: path.join(scratch, 'collections'), ANSIBLE_LIBRARY: '', ANSIBLE_STDOUT_CALLBACK: 'default' });
    return execa('ansible-playbook', ['-i', inventory, ...args, playbook], { env, reject: false, all: true, cwd: scratch, detached: true });
  };
  /** A whole run; stdout and stderr together. */
  const play = async (playbook: string, args: string[] = []) => {
    const run = await start(playbook, args);
    const out = run.all ?? '';
    const recap = Object.fromEntries(
      [...out.matchAll(/^(\w+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=\d+\s+rescued=(\d+)\s+ignored=(\d+)/gm)].map((m) => [
        m[1]!,
        { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]), rescued: Number(m[6]), ignored: Number(m[7]) },
      ]),
    );
    // The report task's lines: one per host and image.
    const report = out.split('TASK [ltsp.images.build : Report each image]')[1]?.split('\n\n')[0]?.split('\n').slice(1) ?? [];
    return { code: run.exitCode, out, recap, report };
  };

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('fleet-ssh-');
    await installCollection(path.join(scratch, 'collections'));
    sshd = await startSshd(path.join(scratch, 'sshd'), Object.values(HOSTS));
    // `ltsp ipxe` needs iPXE binaries this machine lacks: a stand-in records its call and writes the menu where ltsp would;
    // while TFTP/hang exists it holds (TFTP/hang.reached says so) and gives up without a menu, for a controller killed then.
    const ltsp = path.join(scratch, 'ltsp');
    record = path.join(scratch, 'ipxe-calls');
    fs.writeFileSync(
      ltsp,
      `#!/bin/sh\necho "called: $*" >> ${record}\nfor a; do case $a in --tftp-dir=*) t=\${a#--tftp-dir=};; esac; done\n` +
        'if [ -e "$t/hang" ]; then touch "$t/hang.reached"; while [ -e "$t/hang" ]; do sleep 0.1; done; exit 1; fi\n' +
        'mkdir -p "$t/ltsp" && echo menu > "$t/ltsp/ltsp.ipxe"\n',
      { mode: 0o755 },
    );
    const lines = ['ltsp_servers:', '  vars:', '    ansible_user: root', `    ansible_port: ${sshd.port}`, `    ansible_ssh_private_key_file: ${sshd.key}`, `    ansible_ssh_common_args: ${sshd.sshArgs}`, `    ansible_ssh_args: ${sshd.controlArgs}`, '    ansible_python_interpreter: /usr/bin/python3', `    ltsp_command: ${ltsp}`, '  hosts:'];
    for (const [host, address] of Object.entries(HOSTS) as [Host, string][]) {
      const dir = dirOf(host);
      await makeChrootFixture(path.join(dir, 'srv/ltsp/chroot'));
      // beta keeps a second image in dirs of its own; gamma's second image has no source yet: it fails on the first night.
      const second =
        host === 'beta'
          ? `, { name: ${dir}/srv/ltsp/chroot, image_name: annex, base_dir: ${dir}/srv/annex, tftp_dir: ${dir}/srv/annex-tftp }`
          : host === 'gamma'
            ? `, { name: ${dir}/srv/ltsp/late }`
            : '';
      lines.push(`    ${host}:`, `      ansible_host: ${address}`, `      ltsp_base_dir: ${dir}/srv/ltsp`, `      ltsp_tftp_dir: ${dir}/srv/tftp`, `      ltsp_images: [{ name: chroot, readiness: 'off' }${second}]`);
    }
    inventory = path.join(scratch, 'hosts.yml');
    fs.writeFileSync(inventory, `${lines.join('\n')}\n`);
    nightly = path.join(projectRoot, 'examples/systemd/ltsp-image-rebuild.yml');
    await settle();
  });
  after(async () => {
    await sshd?.stop();
    if (scratch) await removeScratch(scratch);
  });

  it('the first night: one line per server and image, a failed image printed once and failed=1 (not ignored), no collection warning', async () => {
    const run = await play(nightly);
    fs.writeFileSync(path.join(projectRoot, '.scratch/fleet-ssh-night1.txt'), run.out);
    assert.equal(run.code, 2, run.out);
    assert.deepEqual(run.recap.gamma && [run.recap.gamma.failed, run.recap.gamma.ignored, run.recap.gamma.rescued], [1, 0, 0], run.out);
    for (const host of ['alpha', 'beta'] as const) assert.deepEqual([run.recap[host]?.failed, run.recap[host]?.unreachable], [0, 0], run.out);
    const size = String.raw`[\d.]+ [KM]B, generation 1, [\d.]+ s`;
    const expected = [
      ['alpha', 'chroot'],
      ['beta', 'chroot'],
      ['beta', 'annex'],
      ['gamma', 'chroot'],
    ].map(([host, image]) => new RegExp(`^changed: \\[${host}\\] => \\(item=${image}: changed \\(missing\\); ${size}\\)$`));
    assert.equal(run.report.length, expected.length, run.report.join('\n'));
    for (const pattern of expected) assert.equal(run.report.filter((l) => pattern.test(l)).length, 1, `${pattern}\n${run.report.join('\n')}`);
    // gamma's failure: once, on the task that fails the host, as its one line.
    const failure = 'late: failed: Image does not exist: ';
    assert.equal(run.out.split(failure).length - 1, 1, run.out);
    assert.match(run.out, /^fatal: \[gamma\]: FAILED! => \{"changed": false, "msg": "late: failed: Image does not exist: \S+\/gamma\/srv\/ltsp\/late"\}$/m);
    assert.doesNotMatch(run.out, /^failed: |\.\.\.ignoring|running playbook inside collection/m);
    for (const host of Object.keys(HOSTS) as Host[]) assert.ok(fs.existsSync(path.join(dirOf(host), 'srv/tftp/ltsp/ltsp.ipxe')), `${host}'s menu`);
  });

  it('the next nights: the fixed image is built, then every line is ok and nothing changes', async () => {
    await makeChrootFixture(path.join(dirOf('gamma'), 'srv/ltsp/late'));
    await settle();
    const fixed = await play(nightly);
    assert.equal(fixed.code, 0, fixed.out);
    assert.deepEqual(Object.values(fixed.recap).map((r) => r.failed + r.ignored), [0, 0, 0], fixed.out);
    assert.ok(fixed.report.some((l) => l.startsWith('changed: [gamma] => (item=late: changed (missing);')), fixed.report.join('\n'));
    const quiet = await play(nightly);
    fs.writeFileSync(path.join(projectRoot, '.scratch/fleet-ssh-night3.txt'), quiet.out);
    assert.equal(quiet.code, 0, quiet.out);
    assert.deepEqual(Object.values(quiet.recap).map((r) => [r.changed, r.failed, r.ignored]), [[0, 0, 0], [0, 0, 0], [0, 0, 0]], quiet.out);
    assert.equal(quiet.report.length, 5, quiet.report.join('\n'));
    for (const l of quiet.report) assert.match(l, /^ok: \[\w+\] => \(item=\w+: ok \(up_to_date\); [\d.]+ [KM]B, generation 1, [\d.]+ s\)$/);
  });

  it('check mode: the line names the generation it would build and says the size is the active image\'s, and nothing is written', async () => {
    fs.writeFileSync(path.join(dirOf('alpha'), 'srv/ltsp/chroot/etc/motd'), 'check mode\n');
    await settle();
    const state = path.join(dirOf('alpha'), 'srv/ltsp/images/chroot.img.json');
    const before = fs.readFileSync(state, 'utf8');
    const run = await play(nightly, ['--check']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.report.find((l) => l.includes('[alpha]'))!, /^changed: \[alpha\] => \(item=chroot: changed \(source_changed\) no package changed; \+etc\/motd \(1 added, 0 removed, 0 modified\); would build generation 2 \(active image [\d.]+ [KM]B\), [\d.]+ s\)$/);
    assert.equal(fs.readFileSync(state, 'utf8'), before, 'check mode wrote the state');
  });

  it('a rebuild for changed settings names them on its line', async () => {
    const run = await play(nightly, ['--limit', 'alpha', '-e', '{"ltsp_mksquashfs_params": ["-comp", "xz"]}']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.report.join('\n'), /^changed: \[alpha\] => \(item=chroot: changed \(config_changed: mksquashfs_params\) /m);
  });

  it('status.yml: one line per server and image', async () => {
    const run = await play(path.join(projectRoot, 'examples/playbooks/status.yml'));
    fs.writeFileSync(path.join(projectRoot, '.scratch/fleet-ssh-status.txt'), run.out);
    assert.equal(run.code, 0, run.out);
    const lines = run.out.split('TASK [Where each image stands]')[1]!.split('\n\n')[0]!.split('\n').slice(1).sort();
    const built = String.raw`built \d{4}-\d\d-\d\d \d\d:\d\d`;
    const expected = [
      `alpha\\] => \\(item=chroot: generation 2, ${built} \\(config_changed; no package changed\\)`,
      `beta\\] => \\(item=annex: generation 1, ${built} \\(missing\\)`,
      `beta\\] => \\(item=chroot: generation 1, ${built} \\(missing\\)`,
      `gamma\\] => \\(item=chroot: generation 1, ${built} \\(missing\\)`,
      `gamma\\] => \\(item=late: generation 1, ${built} \\(missing\\)`,
    ];
    assert.equal(lines.length, expected.length, lines.join('\n'));
    lines.forEach((l, i) => assert.match(l, new RegExp(`^ok: \\[${expected[i]}, not boot-checked, source unchanged\\)$`)));
  });

  const revert = path.join(projectRoot, 'examples/playbooks/revert.yml');
  /** The stand-in's `ltsp ipxe` calls since the last clearRecord(), sorted. */
  const recorded = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).sort() : []);
  const clearRecord = () => fs.rmSync(record, { force: true });
  const ipxe = (host: Host, base = 'ltsp', tftp = 'tftp') => `called: --base-dir=${dirOf(host)}/srv/${base} --tftp-dir=${dirOf(host)}/srv/${tftp} ipxe`;

  it('the iPXE menu converges: a failed second image, and a controller killed (SIGTERM, SIGINT) while writing it, leave it to the next run', async () => {
    const dir = dirOf('beta');
    const menu = path.join(dir, 'srv/tftp/ltsp/ltsp.ipxe');
    const image = path.join(dir, 'srv/ltsp/images/chroot.img');
    const source = path.join(dir, 'srv/ltsp/chroot');
    // annex fails (its source is gone) while chroot changes: chroot's menu is written all the same.
    fs.writeFileSync(path.join(source, 'etc/motd'), 'menu test\n');
    await settle();
    clearRecord();
    const annexGone = { name: `${dir}/srv/no-annex`, image_name: 'annex', base_dir: `${dir}/srv/annex`, tftp_dir: `${dir}/srv/annex-tftp` };
    const failing = await play(nightly, ['--limit', 'beta', '-e', JSON.stringify({ ltsp_images: [{ name: 'chroot', readiness: 'off' }, annexGone] })]);
    assert.equal(failing.recap.beta?.failed, 1, failing.out);
    assert.deepEqual(recorded(), [ipxe('beta')]);
    assert.ok(fs.statSync(menu).mtimeMs >= fs.statSync(image).mtimeMs, 'the menu is older than the image');
    // The whole controller (its process group, as systemd or Ctrl-C would) dies after publishing, while `ltsp ipxe` runs.
    const hang = path.join(dir, 'srv/tftp/hang');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      fs.writeFileSync(path.join(source, 'etc/motd'), `killed by ${signal}\n`);
      await settle();
      fs.writeFileSync(hang, '');
      const run = start(nightly, ['--limit', 'beta']);
      await waitFor(() => fs.existsSync(`${hang}.reached`), 'the menu to be being written', 120_000);
      process.kill(-run.pid!, signal);
      const killed = await run;
      fs.rmSync(hang);
      fs.rmSync(`${hang}.reached`);
      assert.doesNotMatch(killed.all ?? '', /PLAY RECAP/, `${signal}: the run was not interrupted`);
      assert.ok(fs.statSync(menu).mtimeMs < fs.statSync(image).mtimeMs, `${signal}: the image was not published before the kill`);
      clearRecord();
      const next = await play(nightly, ['--limit', 'beta']);
      assert.equal(next.code, 0, next.out);
      assert.ok(next.report.every((l) => l.includes(': ok (up_to_date);')), next.report.join('\n'));
      // annex shares chroot's source: the killed run rebuilt it too, and never reached its menu.
      assert.deepEqual(recorded(), [ipxe('beta', 'annex', 'annex-tftp'), ipxe('beta')], `${signal}: the next run did not repair the menus`);
      assert.ok(fs.statSync(menu).mtimeMs >= fs.statSync(image).mtimeMs);
    }
  });

  it("revert.yml reverts on the chosen server, says which generation is active, and writes the menu from the server's own dirs", async () => {
    const args = ['--limit', 'beta', '-e', 'image=chroot'];
    // beta's chroot is at generation 4 (the menu test's). A menu lost meanwhile is written again, from beta's own dirs, not /srv's.
    fs.rmSync(path.join(dirOf('beta'), 'srv/tftp/ltsp/ltsp.ipxe'));
    clearRecord();
    const first = await play(revert, args);
    assert.equal(first.code, 0, first.out);
    assert.deepEqual(Object.keys(first.recap), ['beta'], first.out);
    assert.deepEqual(recorded(), [ipxe('beta')]);
    assert.match(first.out, /"msg": "chroot: generation 3 is active \(reverted\)"/);
    assert.ok(fs.existsSync(path.join(dirOf('beta'), 'srv/tftp/ltsp/ltsp.ipxe')));
    const second = await play(revert, args);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /"msg": "chroot: generation 3 is active \(already reverted\)"/);
    assert.equal(recorded().length, 1, 'the menu was current');
  });

  it('revert.yml refuses to guess: it needs the image by name, and a limit or all_servers=true', async () => {
    const noImage = await play(revert, ['--limit', 'beta']);
    assert.notEqual(noImage.code, 0);
    assert.match(noImage.out, /Say which image to revert: -e image=NAME/);
    const noLimit = await play(revert, ['-e', 'image=chroot']);
    assert.notEqual(noLimit.code, 0);
    assert.match(noLimit.out, /Say which servers to revert it on: -l SERVER \(or -e all_servers=true/);
    assert.doesNotMatch(noLimit.out, /TASK \[Make the previous generation active\]/, 'it reverted without a limit');
  });

  it('after a revert, ltsp_image_info says the image is held and why, and the nightly run explains it', async () => {
    const dir = dirOf('beta');
    const info = await runModule('ltsp_image_info', { base_dir: path.join(dir, 'srv/ltsp'), tftp_dir: path.join(dir, 'srv/tftp') });
    assert.deepEqual(info.result.held, ['chroot'], info.stdout);
    assert.match(String((info.result.images as Record<string, unknown>[])[0]!.held_reason), /a revert made generation 3 active, and the source is still the one of generation 4/);
    const run = await play(nightly, ['--limit', 'beta']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.report.join('\n'), /^ok: \[beta\] => \(item=chroot: ok \(held\)/m);
    assert.equal(recorded().length, 1, 'a current menu was written again');
  });

  it('a state the canary rejected is not published by the nightly run, which fails on it until the source changes', async () => {
    const dir = dirOf('gamma');
    const chroot = path.join(dir, 'srv/ltsp/chroot');
    const image = path.join(dir, 'srv/ltsp/images/chroot.img');
    // ltsp.img is there and the chroot has no kernel: the canary's boot check rejects the new image after mksquashfs.
    fs.writeFileSync(path.join(dir, 'srv/tftp/ltsp/ltsp.img'), 'stand-in\n');
    for (const kernel of ['boot', 'vmlinuz', 'initrd.img']) fs.rmSync(path.join(chroot, kernel), { recursive: true });
    await settle();
    const active = () => `${fs.statSync(image).ino} ${fs.readFileSync(`${image}.json`, 'utf8')}`;
    const before = active();
    const canary = await play(path.join(projectRoot, 'examples/playbooks/canary.yml'), ['-e', 'ltsp_canary=gamma', '--limit', 'gamma']);
    assert.equal(canary.recap.gamma?.failed, 1, canary.out);
    assert.match(canary.out, /^fatal: \[gamma\]: FAILED! => .*"msg": "chroot: failed: Boot check: no vmlinuz and initrd\.img in the new image/m);
    assert.ok(fs.existsSync(`${image}.failed.json`));
    for (const night of [1, 2]) {
      const run = await play(nightly, ['--limit', 'gamma']);
      assert.equal(run.recap.gamma?.failed, 1, `night ${night}: ${run.out}`);
      assert.match(run.out, /^fatal: \[gamma\]: FAILED! => .*"msg": "chroot: failed: chroot: not published: this source and configuration failed the boot check at \S+ \(no kernel and initrd found in the image\)/m, `night ${night}`);
      assert.equal(active(), before, `night ${night} published the rejected state`);
    }
    const status = await play(path.join(projectRoot, 'examples/playbooks/status.yml'), ['--limit', 'gamma', '-e', 'ltsp_freeze=true']);
    assert.equal(status.code, 0, status.out);
    assert.match(status.out, /^ok: \[gamma\] => \(item=chroot: generation 1, built \S+ \S+ \(missing\), not boot-checked, source drifted \(\d+ added, \d+ removed, \d+ modified\), a build failed its boot check at \S+ \S+ \(no kernel and initrd found in the image\), frozen\)$/m);
    fs.writeFileSync(path.join(chroot, 'etc/motd'), 'fixed state\n');
    await settle();
    const fixed = await play(nightly, ['--limit', 'gamma']);
    assert.equal(fixed.code, 0, fixed.out);
    assert.ok(fixed.report.some((l) => l.startsWith('changed: [gamma] => (item=chroot: changed (source_changed)')), fixed.report.join('\n'));
    assert.equal(fs.existsSync(`${image}.failed.json`), false);
  });
});
