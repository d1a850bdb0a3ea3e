// The installed collection's nightly and status playbooks over real SSH, with Ansible's default output, as an admin reads it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ansibleEnv, installCollection } from '../helpers/ansible.js';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { requireRoot } from '../helpers/root.js';
import { projectRoot } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const HOSTS = { alpha: '127.0.0.2', beta: '127.0.0.3', gamma: '127.0.0.4' } as const;
type Host = keyof typeof HOSTS;

describe('the fleet over SSH: nightly output and status', function () {
  this.timeout(300_000);
  let scratch: string;
  let sshd: Sshd | undefined;
  let inventory: string;
  let nightly: string;
  const dirOf = (host: Host) => path.join(scratch, host);

  /** ansible-playbook with the default callback and no -v, as the systemd unit runs it; stdout and stderr together. */
  const play = async (playbook: string, args: string[] = []) => {
    const env = ansibleEnv({ ANSIBLE_COLLECTIONS_PATH: path.join(scratch, 'collections'), ANSIBLE_LIBRARY: '', ANSIBLE_STDOUT_CALLBACK: 'default' });
    const run = await execa('ansible-playbook', ['-i', inventory, ...args, playbook], { env, reject: false, all: true, cwd: scratch });
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
    // `ltsp ipxe` needs iPXE binaries this machine lacks: a stand-in writes the menu where ltsp would.
    const ltsp = path.join(scratch, 'ltsp');
    fs.writeFileSync(ltsp, '#!/bin/sh\nfor a; do case $a in --tftp-dir=*) t=${a#--tftp-dir=};; esac; done\nmkdir -p "$t/ltsp" && echo menu > "$t/ltsp/ltsp.ipxe"\n', { mode: 0o755 });
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
});
