// With no_log, options given as one string and split into words (#13 item 9) or into stacked sources (#24) leak no piece through the result or the journal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runModule } from '../helpers/run-module.js';
import { listenSyslog } from '../helpers/syslog.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('no_log and split option values (#13 item 9)', function () {
  const box = useSandbox('no-log-', 'dir');
  let checks = 0;
  let masked = 0;
  before(async function () {
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'nolog\n');
  });
  after(async function () {
    process.stdout.write(`      no_log: ${checks} runs, ${masked} with every word masked\n`);
  });

  it('masks each word of a mksquashfs_params string and of ionice in command, msg and everywhere else', async () => {
    checks++;
    const words = ['-comp', 'gzip', '-Xcompression-level', '7', '-b', '131072'];
    const run = await runModule('ltsp_image', {
      name: box.source,
      image_name: 'nolog',
      base_dir: box.base,
      tftp_dir: box.tftp,
      mksquashfs_params: words.join(' '),
      ionice: 'nice -n 19',
      check_mode: true,
      _ansible_no_log: true,
    });
    assert.equal(run.code, 0, run.stdout);
    const command = run.result.command as string[];
    for (const word of [...words, 'nice', '-n', '19']) assert.ok(!command.includes(word), `"${word}" is in command: ${command.join(' ')}`);
    for (const word of ['-comp', '-Xcompression-level', '131072']) assert.ok(!run.stdout.includes(word), `"${word}" is in the result`);
    assert.ok(command.includes('mksquashfs'), 'what no argument gave stays readable');
    masked++;
  });

  it('masks each stacked source of name, its path and its options, in msg, source[] and the journal (#24)', async () => {
    checks++;
    const secret = path.join(box.scratch, 'SECRET-opt-tree');
    fs.mkdirSync(path.join(secret, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(secret, 'bin/tool'), 'tool\n');
    const args = { image_name: 'stacked', base_dir: box.base, tftp_dir: box.tftp, kernel: false, _ansible_no_log: true };
    const syslog = await listenSyslog(box.scratch);
    try {
      // A trailing slash and a doubled one: the module reports the path normalized, which must be masked too.
      const built = await runModule('ltsp_image', { ...args, name: `${box.source},,${secret.replace('SECRET', '/SECRET')}/,subdir=opt,ro` }, { env: syslog.env });
      assert.equal(built.code, 0, built.stdout);
      assert.equal(built.result.changed, true);
      const missing = await runModule('ltsp_image', { ...args, name: `${box.source},,${secret}-gone,subdir=opt` }, { env: syslog.env });
      assert.equal(missing.code, 1, missing.stdout);
      for (const run of [built, missing]) {
        assert.ok(!run.stdout.includes('SECRET'), `a stacked source's path is in the result: ${run.stdout}`);
        assert.ok(!run.stdout.includes(box.scratch), `the first source's path is in the result: ${run.stdout}`);
      }
      assert.match(String(missing.result.msg), /^Image does not exist: \*+$/);
      assert.ok(!syslog.read().includes('SECRET'), `the journal has the path: ${syslog.read()}`);
    } finally {
      await syslog.stop();
    }
    masked++;
  });
});
