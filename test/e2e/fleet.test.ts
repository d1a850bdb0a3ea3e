// The collection and the example playbooks under real Ansible's local connection: a rollout, scheduled rebuilds and task
// keywords, read from the JSON callback; fleet-ssh.test.ts has the fleet over SSH (revert, the iPXE menu, the canary's verdict).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ansibleEnv, installCollection, JSON_CALLBACK } from '../helpers/ansible.js';
import { requireRoot } from '../helpers/root.js';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { settle, waitFor } from '../helpers/settle.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** A syslog socket that appends each datagram to a file, for LTSP_IMAGE_SYSLOG_SOCKET. */
const LISTENER =
  'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nopen(sys.argv[2],"w").close()\nwhile True:\n  d=s.recv(65536)\n  open(sys.argv[2],"ab").write(d+b"\\n")';

describe('collection and example playbooks', function () {
  let scratch: string;
  let collections: string;
  let inventory: string;
  let recorder: string;
  let record: string;
  const hosts = ['school1', 'school2', 'broken'];
  const dirOf = (host: string) => path.join(scratch, host);

  const env = (extra: Record<string, string> = {}) => ansibleEnv({ ANSIBLE_COLLECTIONS_PATH: collections, ANSIBLE_LIBRARY: '', ANSIBLE_STDOUT_CALLBACK: JSON_CALLBACK, ...extra });
  const playbook = async (file: string, args: string[] = []) => {
    const run = await execa('ansible-playbook', ['-i', inventory, ...args, file], { env: env(), reject: false, cwd: scratch });
    const doc = JSON.parse(run.stdout) as { stats: Record<string, { changed: number; failures: number; ok: number }>; plays: { tasks: { task: { name: string }; hosts: Record<string, Record<string, unknown>> }[] }[] };
    const task = (name: string) => doc.plays.flatMap((p) => p.tasks).find((t) => t.task.name === name || t.task.name.endsWith(` : ${name}`))?.hosts ?? {};
    const failures = doc.plays
      .flatMap((p) => p.tasks)
      .flatMap((t) => Object.entries(t.hosts).filter(([, r]) => r.failed).map(([h, r]) => `${h}: ${t.task.name}: ${String(r.msg)}`));
    return { code: run.exitCode, stats: doc.stats, task, stdout: failures.join('\n') || run.stdout.slice(0, 2000) };
  };
  const scheduled = path.join(projectRoot, 'examples/playbooks/scheduled.yml');
  type Run = Awaited<ReturnType<typeof playbook>>;
  const buildResults = (run: Run, host: string) =>
    ((run.task('Build the declared images (ltsp_image rebuilds only what changed)')[host]?.results ?? []) as Record<string, unknown>[]);
  // The report's lines (a loop, one item per image), then the line of each failed image, with which the role fails the host.
  const reportOf = (run: Run, host: string) =>
    [
      ...((run.task('Report each image')[host]?.results ?? []) as { item: { line: string } }[]).map((r) => r.item.line),
      ...[run.task('Fail the server on the images that failed')[host]].filter((r) => r?.failed).map((r) => String(r!.msg)),
    ].join('\n');
  const recorded = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).sort() : []);

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('fleet-');
    collections = path.join(scratch, 'collections');
    await installCollection(collections);
    record = path.join(scratch, 'ipxe-calls');
    recorder = path.join(scratch, 'ltsp');
    // As `ltsp ipxe` does, it writes TFTP/ltsp/ltsp.ipxe (all hosts set their --tftp-dir).
    const writeMenu = 'for a; do case $a in --tftp-dir=*) t=${a#--tftp-dir=};; esac; done\nmkdir -p "$t/ltsp" && echo menu > "$t/ltsp/ltsp.ipxe"\n';
    fs.writeFileSync(recorder, `#!/bin/sh\necho "called: $*" >> ${record}\n${writeMenu}`, { mode: 0o755 });
    const lines = ['ltsp_servers:', '  hosts:'];
    for (const host of hosts) {
      const dir = dirOf(host);
      fs.mkdirSync(path.join(dir, 'srv/ltsp/chroot/etc'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'srv/ltsp/chroot/proc'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'srv/ltsp/chroot/etc/hostname'), `${host}\n`);
      fs.mkdirSync(path.join(dir, 'srv/ltsp/extra/bin'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'srv/ltsp/extra/bin/tool'), 'v1\n');
      // school1 declares non-default options and a stacked source: the nightly run must rebuild exactly that.
      const image =
        host === 'broken'
          ? '[{ name: no-such-chroot }]'
          : host === 'school1'
            ? `[{ name: "chroot,,${dir}/srv/ltsp/extra,subdir=opt", image_name: chroot, mksquashfs_params: [-comp, zstd], keep: 3 }]`
            : // school2 keeps a second image in its own dirs: the iPXE menu of those is regenerated too.
              `[{ name: chroot }, { name: ${dir}/srv/ltsp/chroot, image_name: annex, base_dir: ${dir}/srv/annex, tftp_dir: ${dir}/srv/annex-tftp }]`;
      lines.push(
        `    ${host}:`,
        '      ansible_connection: local',
        `      ansible_python_interpreter: /usr/bin/python3`,
        `      ltsp_base_dir: ${dir}/srv/ltsp`,
        `      ltsp_tftp_dir: ${dir}/srv/tftp`,
        `      ltsp_command: ${recorder}`,
        `      ltsp_images: ${image}`,
      );
    }
    inventory = path.join(scratch, 'hosts.yml');
    fs.writeFileSync(inventory, `${lines.join('\n')}\n`);
    await settle();
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('site.yml rolls out in batches, writes the iPXE menu only where an image changed, and a broken host fails alone', async () => {
    const first = await playbook(path.join(projectRoot, 'examples/playbooks/site.yml'), ['-e', `ltsp_command=${recorder}`]);
    assert.equal(first.stats.broken?.failures, 1, first.stdout);
    assert.equal(first.stats.school1?.failures, 0, first.stdout);
    assert.equal(first.stats.school2?.failures, 0, first.stdout);
    assert.ok(fs.existsSync(path.join(dirOf('school1'), 'srv/ltsp/images/chroot.img')));
    assert.ok(fs.existsSync(path.join(dirOf('school2'), 'srv/ltsp/images/chroot.img')));
    const ipxe = (host: string, base = 'ltsp', tftp = 'tftp') => `called: --base-dir=${dirOf(host)}/srv/${base} --tftp-dir=${dirOf(host)}/srv/${tftp} ipxe`;
    assert.deepEqual(recorded(), [ipxe('school1'), ipxe('school2', 'annex', 'annex-tftp'), ipxe('school2')], 'ltsp ipxe on each changed server, once per dirs of its changed images');
    assert.match(reportOf(first, 'school1'), /^chroot: changed \(missing\); [\d.]+ KB, generation 1, [\d.]+ s$/);
    assert.match(first.stdout, /^broken: .*Fail the server on the images that failed: no-such-chroot: failed: Image does not exist: no-such-chroot/m);
    assert.equal(first.stdout.split('\n').length, 1, 'one failure: the failed image fails its host once');
    fs.rmSync(record);
    const second = await playbook(path.join(projectRoot, 'examples/playbooks/site.yml'), ['-e', `ltsp_command=${recorder}`, '--limit', 'school1,school2']);
    assert.equal(second.code, 0, second.stdout);
    assert.equal(second.stats.school1?.changed, 0);
    assert.deepEqual(recorded(), [], 'ltsp ipxe ran without a change');
  });

  it('scheduled.yml --check predicts the drift rebuild, with a diff of what changed in each modified path, and writes nothing', async () => {
    const dir = dirOf('school1');
    fs.writeFileSync(path.join(dir, 'srv/ltsp/extra/bin/tool'), 'version 2\n');
    fs.writeFileSync(path.join(dir, 'srv/ltsp/chroot/etc/motd'), 'drift\n');
    await settle();
    const state = path.join(dir, 'srv/ltsp/images/chroot.img.json');
    const before = fs.readFileSync(state, 'utf8');
    const run = await playbook(scheduled, ['--limit', 'school1,school2', '--check', '--diff']);
    assert.equal(run.code, 0, run.stdout);
    const item = buildResults(run, 'school1')[0]!;
    assert.equal(item.changed, true);
    assert.equal(item.reason, 'source_changed');
    const diff = item.diff as { before: string; after: string };
    assert.match(diff.before, /modified: opt\/bin\/tool: -rw-r--r-- 0\/0 3 \S+ \S+ sha256:/);
    assert.match(diff.after, /modified: opt\/bin\/tool: -rw-r--r-- 0\/0 10 \S+ \S+ sha256:/);
    assert.match(diff.after, /added: etc\/motd/);
    assert.equal(fs.readFileSync(state, 'utf8'), before, 'check mode wrote the state file');
  });

  it('scheduled.yml rebuilds the drift exactly as declared (options, stacked source, keep), then site.yml has nothing to do', async () => {
    const dir = dirOf('school1');
    const image = path.join(dir, 'srv/ltsp/images/chroot.img');
    const first = await playbook(scheduled, ['--limit', 'school1,school2']);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.stats.school1?.changed, 3, 'the rebuild, its menu and its report line');
    assert.equal(first.stats.school2?.changed, 0);
    assert.match(reportOf(first, 'school1'), /^chroot: changed \(source_changed\) \+etc\/motd ~opt\/bin\/tool \(1 added, 0 removed, 1 modified\); [\d.]+ KB \([+-][\d.]+ %\), generation 2, [\d.]+ s$/);
    assert.match(reportOf(first, 'school2'), /^chroot: ok \(up_to_date\); /);
    const site = await playbook(path.join(projectRoot, 'examples/playbooks/site.yml'), ['--limit', 'school1,school2']);
    assert.equal(site.code, 0, site.stdout);
    assert.equal(site.stats.school1?.changed, 0, site.stdout);
    assert.equal(buildResults(site, 'school1')[0]?.reason, 'up_to_date');
    const superblock = await execa('unsquashfs', ['-s', image]);
    assert.match(superblock.stdout, /Compression zstd/);
    const listing = await execa('unsquashfs', ['-lln', image]);
    assert.match(listing.stdout, /squashfs-root\/opt\/bin\/tool$/m, 'the stacked source is in the image');
    assert.ok(fs.existsSync(`${image}.old`), 'keep: 3 kept the backup');
    const info = await runModule('ltsp_image_info', { base_dir: path.join(dir, 'srv/ltsp'), tftp_dir: path.join(dir, 'srv/tftp'), name: 'chroot' });
    const shown = (info.result.images as Record<string, unknown>[])[0]!;
    assert.equal(shown.source, `${path.join(dir, 'srv/ltsp/chroot')},,${path.join(dir, 'srv/ltsp/extra')},subdir=opt`);
    assert.deepEqual((shown.options as { mksquashfs_params: string[] }).mksquashfs_params, ['-comp', 'zstd']);
    assert.equal(shown.reason, 'source_changed');
    const history = shown.history as { generation: number; reason: string; drift: { added: number; modified: number } | null; boot_checked: unknown }[];
    assert.deepEqual(history.map((h) => [h.generation, h.reason, h.boot_checked]), [[2, 'source_changed', null], [1, 'missing', null]], 'published without a boot check');
    assert.deepEqual(history[0]?.drift, { added: 1, removed: 0, modified: 1 });
  });

  // The default output, line by line, is fleet-ssh.test.ts's: here, what reaches the journal.
  it('logs the drifted paths to the journal, with no async polls in the output', async () => {
    fs.writeFileSync(path.join(dirOf('school1'), 'srv/ltsp/chroot/etc/motd'), 'drift again\n');
    await settle();
    const socket = path.join(scratch, 'log.sock');
    const collected = path.join(scratch, 'log.txt');
    const listener = execa('python3', ['-c', LISTENER, socket, collected], { reject: false });
    try {
      await waitFor(() => fs.existsSync(collected), 'the syslog listener');
      const run = await execa('ansible-playbook', ['-i', inventory, '--limit', 'school1,school2', scheduled], {
        env: env({ ANSIBLE_STDOUT_CALLBACK: 'default', LTSP_IMAGE_SYSLOG_SOCKET: socket }),
        reject: false,
        cwd: scratch,
      });
      assert.equal(run.exitCode, 0, run.stdout);
      assert.match(run.stdout, /^changed: \[school1\] => \(item=chroot: changed \(source_changed\) ~etc\/motd /m);
      assert.doesNotMatch(run.stdout, /ASYNC POLL/);
      await waitFor(() => /drifted paths: ~etc\/motd/.test(fs.readFileSync(collected, 'utf8')), 'the syslog line', 10_000);
    } finally {
      listener.kill();
      await listener;
    }
  });

  it('leaves frozen images alone with reason frozen and what would have happened, until the freeze is lifted', async () => {
    const dir = dirOf('school1');
    fs.writeFileSync(path.join(dir, 'srv/ltsp/chroot/etc/motd'), 'exam week\n');
    await settle();
    const image = path.join(dir, 'srv/ltsp/images/chroot.img');
    const inode = fs.statSync(image).ino;
    const frozen = await playbook(scheduled, ['--limit', 'school1', '-e', 'ltsp_freeze=true']);
    assert.equal(frozen.code, 0, frozen.stdout);
    const item = buildResults(frozen, 'school1')[0]!;
    assert.equal(item.changed, false);
    assert.equal(item.reason, 'frozen');
    assert.equal(item.pending, 'source_changed');
    assert.match(reportOf(frozen, 'school1'), /^chroot: ok \(frozen, would be source_changed\) ~etc\/motd /);
    assert.equal(fs.statSync(image).ino, inode, 'a frozen image was replaced');
    const thawed = await playbook(scheduled, ['--limit', 'school1']);
    assert.equal(buildResults(thawed, 'school1')[0]?.reason, 'source_changed');
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

  it('the systemd service and timer pass systemd-analyze verify, and the service command runs the collection playbook as documented', async () => {
    const units = ['ltsp-image-rebuild.service', 'ltsp-image-rebuild.timer'].map((u) => path.join(projectRoot, 'examples/systemd', u));
    const run = await execa('systemd-analyze', ['verify', ...units], { reject: false, all: true });
    assert.equal(run.exitCode, 0, run.all);
    assert.doesNotMatch(run.all ?? '', /ltsp-image-rebuild/);
    // The unit's own command and environment, with the documented paths moved into the scratch dir.
    const unit = fs.readFileSync(units[0]!, 'utf8');
    const moved = (v: string) =>
      v
        .replace('/usr/share/ansible/collections', collections)
        .replace('/etc/ltsp/ansible/hosts.yml', inventory)
        .replace('/etc/ltsp/ansible/nightly.yml', path.join(projectRoot, 'examples/systemd/ltsp-image-rebuild.yml'));
    const unitEnv = Object.fromEntries([...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1]!, moved(m[2]!)]));
    const [command, ...args] = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
    const nightly = await execa(command!, [...args.map(moved), '--limit', 'school2'], { env: { ...env({ ANSIBLE_STDOUT_CALLBACK: 'default' }), ...unitEnv }, reject: false, all: true, cwd: scratch });
    assert.equal(nightly.exitCode, 0, nightly.all);
    assert.match(nightly.stdout, /^ok: \[school2\] => \(item=chroot: ok \(up_to_date\); /m);
    // ansible-core 2.14 warns about a top-level collection playbook; the unit's own playbook imports it.
    assert.doesNotMatch(nightly.all ?? '', /running playbook inside collection/);
  });

  it('prepare.yml checks a ready server and changes nothing', async () => {
    const run = await playbook(path.join(projectRoot, 'examples/playbooks/prepare.yml'), ['--limit', 'school1']);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.stats.school1?.changed, 0);
    assert.match(String(run.task('Say what is still missing').school1?.msg), /Ready for ltsp.images/);
  });

  it('the prepare role says what a server lacks: an old Node.js and the sbin tools', async () => {
    const fake = path.join(scratch, 'fake-bin');
    fs.mkdirSync(fake, { recursive: true });
    fs.writeFileSync(path.join(fake, 'node'), '#!/bin/sh\necho 12.22.12\n', { mode: 0o755 });
    const play = path.join(scratch, 'prepare-check.yml');
    fs.writeFileSync(
      play,
      `- name: Prepare with a PATH that has an old node and no sbin
  hosts: school1
  gather_facts: false
  environment:
    PATH: "${fake}:/usr/bin:/bin"
  roles:
    - ltsp.images.prepare
`,
    );
    // The modules would run with the old node: the inventory names it, as for a Node.js outside /usr/bin.
    const run = await playbook(play, ['-e', 'ltsp_prepare_install=false', '-e', `ansible_node_interpreter=${fake}/node`]);
    assert.equal(run.stats.school1?.failures, 1, run.stdout);
    const msg = String(run.task('Say what is still missing').school1?.msg);
    assert.match(msg, /nodejs: \S+\/fake-bin\/node is 12\.22\.12, older than 18\.19/);
    assert.match(msg, /fdisk: sfdisk not found/);
    assert.match(msg, /Install them: apt-get install nodejs util-linux fdisk mount/);
    assert.doesNotMatch(msg, /squashfs-tools/);
  });

  it('prepare.yml checks what the boot check needs where an image declares it: ltsp.img, named with the command that makes it', async () => {
    const tftp = path.join(dirOf('school2'), 'srv/tftp');
    const run = await playbook(path.join(projectRoot, 'examples/playbooks/prepare.yml'), ['--limit', 'school2', '-e', 'ltsp_boot_check=true']);
    assert.equal(run.stats.school2?.failures, 1, run.stdout);
    assert.match(String(run.task('Say what is still missing').school2?.msg), /Ready for ltsp.images/);
    const msg = String(run.task('Say where ltsp.img is missing').school2?.msg);
    assert.ok(msg.includes(`ltsp --tftp-dir=${tftp} initrd`), msg);
    assert.ok(msg.includes(`ltsp --tftp-dir=${dirOf('school2')}/srv/annex-tftp initrd`), msg);
  });

  it('canary.yml: an image the canary cannot boot-check stops the rollout before any other server is touched', async () => {
    const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => `${dir}/${name} ${fs.statSync(path.join(dir, name)).mtimeMs}`) : []);
    const images = () => hosts.flatMap((h) => listing(path.join(dirOf(h), 'srv/ltsp/images'))).sort();
    const before = images();
    // school2's TFTP dir has no ltsp.img: its boot check fails before building, as an unbootable image would fail after.
    const run = await playbook(path.join(projectRoot, 'examples/playbooks/canary.yml'), ['-e', 'ltsp_canary=school2', '-e', `ltsp_command=${recorder}`]);
    assert.notEqual(run.code, 0, run.stdout);
    const [canary] = buildResults(run, 'school2');
    assert.match(String(canary?.msg), /^Option boot_check: .*school2\/srv\/tftp\/ltsp\/ltsp\.img is missing .*ltsp --tftp-dir=.* initrd$/);
    assert.deepEqual(Object.keys(run.stats).sort(), ['school2'], 'the rollout went on after the canary failed');
    assert.deepEqual(images(), before);
  });
});

