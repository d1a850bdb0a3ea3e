// The collection and the example playbooks under real Ansible: a fleet rollout, scheduled rebuilds, revert, and task keywords.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ansibleEnv, JSON_CALLBACK } from '../helpers/ansible.js';
import { requireRoot } from '../helpers/root.js';
import { projectRoot } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('collection and example playbooks', function () {
  let scratch: string;
  let collections: string;
  let inventory: string;
  let recorder: string;
  let record: string;
  const hosts = ['school1', 'school2', 'broken'];
  const dirOf = (host: string) => path.join(scratch, host);

  const playbook = async (file: string, args: string[] = []) => {
    const run = await execa('ansible-playbook', ['-i', inventory, ...args, file], {
      env: ansibleEnv({ ANSIBLE_COLLECTIONS_PATH: collections, ANSIBLE_LIBRARY: '', ANSIBLE_STDOUT_CALLBACK: JSON_CALLBACK }),
      reject: false,
      cwd: scratch,
    });
    const doc = JSON.parse(run.stdout) as { stats: Record<string, { changed: number; failures: number; ok: number }>; plays: { tasks: { task: { name: string }; hosts: Record<string, Record<string, unknown>> }[] }[] };
    const task = (name: string) => doc.plays.flatMap((p) => p.tasks).find((t) => t.task.name === name)?.hosts ?? {};
    const failures = doc.plays
      .flatMap((p) => p.tasks)
      .flatMap((t) => Object.entries(t.hosts).filter(([, r]) => r.failed).map(([h, r]) => `${h}: ${t.task.name}: ${String(r.msg)}`));
    return { code: run.exitCode, stats: doc.stats, task, stdout: failures.join('\n') || run.stdout.slice(0, 2000) };
  };
  const recorded = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).sort() : []);

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('fleet-');
    collections = path.join(scratch, 'collections');
    const build = await execa(process.execPath, [path.join(projectRoot, 'scripts/collection.mjs')], { reject: false, all: true });
    assert.equal(build.exitCode, 0, build.all);
    const tarball = fs.readdirSync(path.join(projectRoot, 'dist-collection')).find((f) => f.endsWith('.tar.gz'))!;
    const install = await execa('ansible-galaxy', ['collection', 'install', '-p', collections, path.join(projectRoot, 'dist-collection', tarball)], { reject: false, all: true });
    assert.equal(install.exitCode, 0, install.all);
    record = path.join(scratch, 'ipxe-calls');
    recorder = path.join(scratch, 'ltsp');
    fs.writeFileSync(recorder, `#!/bin/sh\necho "called: $*" >> ${record}\n`, { mode: 0o755 });
    const lines = ['ltsp_servers:', '  hosts:'];
    for (const host of hosts) {
      const dir = dirOf(host);
      fs.mkdirSync(path.join(dir, 'srv/ltsp/chroot/etc'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'srv/ltsp/chroot/proc'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'srv/ltsp/chroot/etc/hostname'), `${host}\n`);
      const image = host === 'broken' ? 'no-such-chroot' : 'chroot';
      lines.push(
        `    ${host}:`,
        '      ansible_connection: local',
        `      ansible_python_interpreter: /usr/bin/python3`,
        `      ltsp_base_dir: ${dir}/srv/ltsp`,
        `      ltsp_tftp_dir: ${dir}/srv/tftp`,
        `      ltsp_command: ${recorder}`,
        `      ltsp_images: [{ name: ${image} }]`,
      );
    }
    inventory = path.join(scratch, 'hosts.yml');
    fs.writeFileSync(inventory, `${lines.join('\n')}\n`);
    await settle();
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('site.yml rolls out in batches, notifies the iPXE handler only where an image changed, and a broken host fails alone', async () => {
    const first = await playbook(path.join(projectRoot, 'examples/playbooks/site.yml'), ['-e', `ltsp_command=${recorder}`]);
    assert.equal(first.stats.broken?.failures, 1, first.stdout);
    assert.equal(first.stats.school1?.failures, 0, first.stdout);
    assert.equal(first.stats.school2?.failures, 0, first.stdout);
    assert.ok(fs.existsSync(path.join(dirOf('school1'), 'srv/ltsp/images/chroot.img')));
    assert.ok(fs.existsSync(path.join(dirOf('school2'), 'srv/ltsp/images/chroot.img')));
    assert.equal(recorded().length, 2);
    fs.rmSync(record);
    const second = await playbook(path.join(projectRoot, 'examples/playbooks/site.yml'), ['-e', `ltsp_command=${recorder}`, '--limit', 'school1,school2']);
    assert.equal(second.code, 0, second.stdout);
    assert.equal(second.stats.school1?.changed, 0);
    assert.deepEqual(recorded(), [], 'the handler ran without a change');
  });

  it('scheduled.yml rebuilds only drifted images, async, and changes nothing the second time', async () => {
    fs.writeFileSync(path.join(dirOf('school1'), 'srv/ltsp/chroot/etc/motd'), 'drift\n');
    await settle();
    const first = await playbook(path.join(projectRoot, 'examples/playbooks/scheduled.yml'), ['--limit', 'school1,school2']);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.stats.school1?.changed, 2, 'the rebuild and its handler');
    assert.equal(first.stats.school2?.changed, 0);
    assert.match(String(first.task('Summary').school1?.msg), /drifted: chroot, rebuilt: chroot/);
    const second = await playbook(path.join(projectRoot, 'examples/playbooks/scheduled.yml'), ['--limit', 'school1,school2']);
    assert.equal(second.stats.school1?.changed, 0, second.stdout);
  });

  it('revert.yml reverts on the chosen host, then reports ok', async () => {
    const args = ['--limit', 'school1', '-e', 'image=chroot'];
    const first = await playbook(path.join(projectRoot, 'examples/playbooks/revert.yml'), args);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.task('Make the previous generation active').school1?.changed, true);
    const second = await playbook(path.join(projectRoot, 'examples/playbooks/revert.yml'), args);
    assert.equal(second.task('Make the previous generation active').school1?.changed, false);
  });

  it('honours check_mode per task, --diff, no_log, register/when, become and async/poll with the FQCN', async () => {
    const dir = dirOf('school2');
    fs.writeFileSync(path.join(dir, 'srv/ltsp/chroot/etc/motd'), 'keywords\n');
    await settle();
    const play = path.join(scratch, 'keywords.yml');
    fs.writeFileSync(
      play,
      `- hosts: school2
  gather_facts: false
  tasks:
    - name: predict
      ltsp.images.ltsp_image: { name: chroot, base_dir: "{{ ltsp_base_dir }}", tftp_dir: "{{ ltsp_tftp_dir }}" }
      check_mode: true
      diff: true
      register: predicted
    - name: secret
      ltsp.images.ltsp_image: { name: chroot, base_dir: "{{ ltsp_base_dir }}", tftp_dir: "{{ ltsp_tftp_dir }}", image_name: hush }
      no_log: true
    - name: build as root
      ltsp.images.ltsp_image: { name: chroot, base_dir: "{{ ltsp_base_dir }}", tftp_dir: "{{ ltsp_tftp_dir }}" }
      become: true
      become_method: su
      async: 600
      poll: 2
      register: built
    - name: only when changed
      ansible.builtin.debug: { msg: "rebuilt {{ built.reason }}" }
      when: built.changed
`,
    );
    const run = await playbook(play);
    assert.equal(run.code, 0, run.stdout);
    const predicted = run.task('predict').school2!;
    assert.equal(predicted.changed, true);
    assert.equal(predicted.reason, 'source_changed');
    assert.match(JSON.stringify(predicted.diff), /etc\/motd/);
    assert.ok(!JSON.stringify(run.task('secret').school2).includes('hush.img'), 'no_log leaked a value');
    assert.equal(run.task('build as root').school2?.changed, true);
    assert.equal(run.task('only when changed').school2?.msg, 'rebuilt source_changed');
  });

  it('the systemd service and timer pass systemd-analyze verify', async () => {
    const units = ['ltsp-image-rebuild.service', 'ltsp-image-rebuild.timer'].map((u) => path.join(projectRoot, 'examples/systemd', u));
    const run = await execa('systemd-analyze', ['verify', ...units], { reject: false, all: true });
    assert.equal(run.exitCode, 0, run.all);
    assert.doesNotMatch(run.all ?? '', /ltsp-image-rebuild/);
  });
});
