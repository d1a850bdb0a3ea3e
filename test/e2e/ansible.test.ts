// The modules under real Ansible: documentation, a normal run, check mode, diff mode and a failure whose msg reaches the user.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ltspImageSchema } from '../../src/generated/ltsp_image.js';
import { ltspImageRevertSchema } from '../../src/generated/ltsp_image_revert.js';
import { ltspImageInfoSchema } from '../../src/generated/ltsp_image_info.js';
import { ansibleDoc, runPlaybook } from '../helpers/ansible.js';
import { node18 } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';

function optionNames(schema: Record<string, unknown>): string[] {
  const defs = schema.definitions as Record<string, { properties: Record<string, unknown> }>;
  return Object.keys(defs.options!.properties);
}

describe('ansible-doc', () => {
  for (const [module, schema] of [['ltsp_image', ltspImageSchema], ['ltsp_image_revert', ltspImageRevertSchema], ['ltsp_image_info', ltspImageInfoSchema]] as const) {
    it(`documents every option of ${module} with its type and default`, async () => {
      const doc = await ansibleDoc(module);
      for (const name of optionNames(schema)) assert.match(doc, new RegExp(`^[-=] ${name}\\b`, 'm'), `${name} missing from ansible-doc`);
      assert.match(doc, /RETURN VALUES/);
      assert.match(doc, /EXAMPLES/);
    });
  }

  it('shows defaults and types', async () => {
    const doc = await ansibleDoc('ltsp_image');
    assert.match(doc, /default: \/srv\/ltsp/);
    assert.match(doc, /type: bool/);
    assert.match(doc, /type: list/);
  });
});

describe('ansible-playbook', function () {
  const box = useSandbox('ansible-', 'none');
  let playbook: string;

  before(async function () {
    fs.mkdirSync(path.join(box.base, 'demo/proc'), { recursive: true });
    fs.mkdirSync(path.join(box.base, 'demo/etc'), { recursive: true });
    fs.writeFileSync(path.join(box.base, 'demo/etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nstudent:x:1000:1000::/home/student:/bin/sh\n');
    // Files younger than the timestamp granularity would count as racily clean and rebuild once more.
    await settle();
    playbook = path.join(box.scratch, 'play.yml');
    fs.writeFileSync(
      playbook,
      `- hosts: localhost
  gather_facts: false
  vars:
    base: ${box.base}
    tftp: ${box.tftp}
  tasks:
    - name: check
      ltsp_image: { name: demo, base_dir: "{{ base }}", tftp_dir: "{{ tftp }}" }
      check_mode: true
    - name: build
      ltsp_image: { name: demo, base_dir: "{{ base }}", tftp_dir: "{{ tftp }}" }
    - name: unchanged
      ltsp_image: name=demo base_dir={{ base }} tftp_dir={{ tftp }} backup=yes kernel=no
    - name: change the source
      ansible.builtin.copy: { dest: "{{ base }}/demo/etc/motd", content: "changed\n" }
    - name: rebuild
      ltsp_image: name=demo base_dir={{ base }} tftp_dir={{ tftp }} backup=yes kernel=no
    - name: revert
      ltsp_image_revert: { name: demo, base_dir: "{{ base }}", tftp_dir: "{{ tftp }}" }
      diff: true
    - name: revert again
      ltsp_image_revert: { name: demo, base_dir: "{{ base }}", tftp_dir: "{{ tftp }}" }
    - name: info
      ltsp_image_info: { base_dir: "{{ base }}", tftp_dir: "{{ tftp }}" }
      register: info
    - name: use info
      ansible.builtin.set_fact:
        active_generation: "{{ (info.images | selectattr('name', 'equalto', 'demo') | first).generation }}"
        drifted_names: "{{ info.drifted }}"
    - name: show info
      ansible.builtin.debug: { msg: "{{ active_generation }} {{ drifted_names | length }}" }
    - name: broken
      ltsp_image: { name: no-such-image, base_dir: "{{ base }}" }
      ignore_errors: true
    - name: typo
      ltsp_image: { name: demo, bakup: false }
      ignore_errors: true
`,
    );
  });

  it('runs the modules: check, build, no-op, key=value args, drift, revert with diff, idempotent revert, failures with their msg', async () => {
    const run = await runPlaybook(playbook);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const t = (name: string) => run.tasks.get(name) ?? assert.fail(`no result for task ${name}: ${run.stdout}`);
    assert.equal(t('check').changed, true);
    assert.match(String(t('check').msg), /^Would build/);
    assert.equal(t('build').changed, true);
    assert.match(String(t('build').msg), /^Built .*demo\.img/);
    assert.equal(t('unchanged').changed, false);
    assert.equal(t('unchanged').reason, 'up_to_date');
    assert.equal(t('rebuild').changed, true);
    assert.equal(t('rebuild').reason, 'source_changed');
    assert.deepEqual((t('rebuild').drift as { added_paths: string[] }).added_paths, ['etc/motd']);
    assert.equal(t('revert').changed, true);
    assert.equal(t('revert').reason, 'reverted');
    assert.ok((t('revert').diff as { before: string }).before.includes('active:'));
    assert.equal(t('revert again').changed, false);
    assert.equal(t('revert again').reason, 'already_reverted');
    assert.equal(t('info').changed, false);
    assert.equal(t('show info').msg, '1 1', 'the reverted-to generation 1 is active, and its source has drifted since');
    assert.equal(t('broken').failed, true);
    assert.match(String(t('broken').msg), /^Image does not exist: no-such-image/);
    assert.equal(t('typo').failed, true);
    assert.match(String(t('typo').msg), /Unsupported option "bakup"; valid options are: /);
    assert.ok(!fs.existsSync(path.join(box.images, 'no-such-image.img')));
  });

  it('runs the modules with the Node.js that ansible_node_interpreter names', async () => {
    // A Node.js outside PATH (/opt, a version manager), as an inventory variable points at it: here Node 18.19 behind a
    // wrapper that says it ran.
    const ran = path.join(box.scratch, 'interpreter-ran');
    const wrapper = path.join(box.scratch, 'opt-node');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> ${ran}\nexec ${node18} "$@"\n`, { mode: 0o755 });
    const play = path.join(box.scratch, 'interpreter.yml');
    fs.writeFileSync(play, `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: info\n      ltsp_image_info: { base_dir: ${box.base}, drift: false }\n`);
    const run = await runPlaybook(play, ['-e', `ansible_node_interpreter=${wrapper}`]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.tasks.get('info')?.failed, undefined, run.stdout);
    assert.match(fs.readFileSync(ran, 'utf8'), /ltsp_image_info/);
  });

  it('shows a failing task\'s msg in the default output', async () => {
    const failing = path.join(box.scratch, 'fail.yml');
    fs.writeFileSync(failing, `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ltsp_image: { name: 5 }\n`);
    const { execa } = await import('execa');
    const { ansibleEnv } = await import('../helpers/ansible.js');
    const run = await execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', failing], { env: ansibleEnv(), reject: false });
    assert.equal(run.exitCode, 2);
    assert.match(run.stdout, /Option name must be a string, got an integer \(5\)/);
  });
});
