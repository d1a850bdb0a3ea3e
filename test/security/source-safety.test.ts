// Sources that try to make the build write, wait or leak through them: a symlinked dpkg lock, symlinked account files, images inside the source, 2106 dates.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../../src/store/lock.js';
import { execa } from 'execa';
import { listImage } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('source safety', function () {
  const box = useSandbox('source-safety-', 'none');
  const p = (rel: string) => path.join(box.scratch, rel);
  const args = (name: string, extra: Record<string, unknown> = {}) => ({ name, base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...extra });

  /** A minimal chroot: accounts with root's hash, a dpkg dir, and proc/ so a simple name finds it. */
  const chroot = (name: string): string => {
    const root = path.join(box.base, name);
    fs.mkdirSync(path.join(root, 'proc'), { recursive: true });
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/shadow'), 'root:$6$salt$ROOTHASHSECRET:19000:0:99999:7:::\nalice:$6$salt$ALICEHASH:19000::::::\n', { mode: 0o640 });
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
    fs.writeFileSync(path.join(root, 'etc/hostname'), `${name}\n`);
    return root;
  };


  it('never opens a dpkg lock that is a symlink out of the source: warns and builds without waiting on the host file', async () => {
    const root = chroot('lockjump');
    const host = p('host-file');
    fs.writeFileSync(host, 'host data\n');
    fs.symlinkSync(host, path.join(root, 'var/lib/dpkg/lock'));
    // Held by someone else: following the symlink would wait for it and time out.
    const outcome = await acquireLock({ file: host, create: false, timeoutSeconds: 5, timeoutMessage: 'busy' });
    assert.ok('held' in outcome);
    try {
      const run = await runModule('ltsp_image', args('lockjump', { lock_timeout: 1 }));
      assert.equal(run.code, 0, run.stdout);
      assert.match(String(run.result.warnings), /No package manager lock taken for .*lockjump \(.*var\/lib\/dpkg\/lock: it is a symlink; only a regular file inside the source is opened\)/);
    } finally {
      await outcome.held.release();
    }
    assert.equal(fs.readFileSync(host, 'utf8'), 'host data\n');
  });

  it('does not reach a dpkg lock through a symlinked parent directory either', async () => {
    const root = chroot('libjump');
    fs.mkdirSync(p('elsewhere/dpkg'), { recursive: true });
    fs.writeFileSync(p('elsewhere/dpkg/lock'), '');
    fs.rmSync(path.join(root, 'var/lib'), { recursive: true });
    fs.symlinkSync(p('elsewhere'), path.join(root, 'var/lib'));
    const run = await runModule('ltsp_image', args('libjump'));
    assert.equal(run.code, 0, run.stdout);
    assert.match(String(run.result.warnings), /var\/lib\/dpkg\/lock: var\/lib is a symlink/);
  });

  it('fails, naming the file, when etc/passwd is a symlink, and publishes nothing', async () => {
    const root = chroot('linkedpasswd');
    fs.renameSync(path.join(root, 'etc/passwd'), p('passwd-outside'));
    fs.symlinkSync(p('passwd-outside'), path.join(root, 'etc/passwd'));
    const run = await runModule('ltsp_image', args('linkedpasswd'));
    assertFailed(run, /^cleanup step users failed .*cannot remove the users: etc\/passwd is a symlink; make it a regular file in the source, or set cleanup: false/);
    assert.equal(fs.existsSync(path.join(box.images, 'linkedpasswd.img')), false);
  });

  it('ships no password hash, root included, and locks every remaining account', async () => {
    chroot('hashes');
    const run = await runModule('ltsp_image', args('hashes'));
    assert.equal(run.code, 0, run.stdout);
    const dir = p('unpacked-hashes');
    await execa('unsquashfs', ['-no-progress', '-d', dir, path.join(box.images, 'hashes.img'), 'etc/shadow', 'etc/passwd', 'etc/gshadow']);
    assert.equal(fs.readFileSync(path.join(dir, 'etc/shadow'), 'utf8'), 'root:!:::::::\n');
    assert.equal(fs.readFileSync(path.join(dir, 'etc/gshadow'), 'utf8'), 'root:*::\n');
    assert.equal(fs.readFileSync(path.join(dir, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  });

  it('builds a source holding a file dated after 2106, with the image time clamped to 32 bits', async () => {
    const root = chroot('future');
    fs.writeFileSync(path.join(root, 'etc/far-future'), 'x\n');
    fs.utimesSync(path.join(root, 'etc/far-future'), 2 ** 32 + 100, 2 ** 32 + 100);
    const run = await runModule('ltsp_image', args('future'));
    assert.equal(run.code, 0, run.stdout);
    const command = run.result.command as string[];
    assert.equal(command[command.indexOf('-mkfs-time') + 1], String(2 ** 32 - 1));
    assert.equal((await runModule('ltsp_image', args('future'))).result.reason, 'up_to_date');
  });

  it('accepts a base dir inside the source when the excludes keep its images out, as for a chrootless build', async () => {
    const root = chroot('hosting');
    const base = path.join(root, 'srv/ltsp');
    const first = await runModule('ltsp_image', { name: root, base_dir: base, tftp_dir: box.tftp, kernel: false });
    assert.equal(first.code, 0, first.stdout);
    const second = await runModule('ltsp_image', { name: root, base_dir: base, tftp_dir: box.tftp, kernel: false });
    assert.equal(second.result.reason, 'up_to_date', second.stdout);
    const entries = await listImage(path.join(base, 'images/hosting.img'));
    assert.deepEqual([...entries.keys()].filter((entry) => entry.startsWith('srv/')), []);
    const other = path.join(root, 'data/ltsp');
    const kept = await runModule('ltsp_image', { name: root, base_dir: other, tftp_dir: box.tftp, kernel: false, add_image_excludes: 'data/ltsp/images' });
    assert.equal(kept.code, 0, kept.stdout);
  });
});
