// Checks the shared test fixtures themselves: the chroot tree, the ext4 copy, the apt mirror lookup, the cached debootstrap and the strace reader.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { aptSources, debianMirror, parseDeb822, parseOneLine } from '../helpers/apt-mirror.js';
import { makeChrootFixture, type ChrootFixture } from '../helpers/chroot-fixture.js';
import { debianTarball, debianTree } from '../helpers/debootstrap.js';
import { makeExt4Image } from '../helpers/disk-fixtures.js';
import { requireRoot } from '../helpers/root.js';
import { joinResumed } from '../helpers/strace.js';
import { removeScratch, SCRATCH_ROOT, scratchDir } from '../helpers/tmp.js';

describe('test fixtures', function () {
  let dir: string;
  let fixture: ChrootFixture;

  before(async function () {
    dir = await scratchDir('fixtures-');
    fixture = await makeChrootFixture(path.join(dir, 'tree'));
  });

  after(async function () {
    if (dir) await removeScratch(dir);
  });

  it('makes scratch dirs under .scratch/tmp and refuses to remove anything else', async function () {
    assert.ok(dir.startsWith(SCRATCH_ROOT + '/'));
    await assert.rejects(removeScratch('/tmp'), /refusing to remove \/tmp/);
  });

  it('builds a chroot with accounts, keys, kernel, links and special files', async function () {
    const at = (relative: string): string => path.join(fixture.root, relative);
    const shadow = await fs.readFile(at('etc/shadow'), 'utf8');
    for (const hash of fixture.secrets.passwordHashes) assert.ok(shadow.includes(hash) && hash.startsWith('$6$'));
    assert.equal(await fs.readFile(at('etc/shadow-'), 'utf8'), shadow);
    assert.match(await fs.readFile(at('etc/passwd'), 'utf8'), /^bob:x:1001:1001:/m);
    assert.equal(await fs.readFile(at('etc/ssh/ssh_host_ed25519_key'), 'utf8'), fixture.secrets.hostKeys.ed25519);
    assert.match(fixture.secrets.hostKeys.rsa, /BEGIN OPENSSH PRIVATE KEY/);
    assert.match(fixture.secrets.snakeoilKey, /BEGIN PRIVATE KEY/);
    assert.equal(await fs.readFile(at('home/alice/secret.txt'), 'utf8'), fixture.secrets.homeSecret);
    assert.equal(await fs.readlink(at('vmlinuz')), `/${fixture.kernel.vmlinuz}`);
    assert.equal(await fs.readlink(at('initrd.img')), `/${fixture.kernel.initrd}`);
    assert.ok((await fs.stat(at(fixture.kernel.vmlinuz))).size > 1024);
    assert.equal(await fs.readlink(at(fixture.special.relativeSymlink)), 'vim.basic');
    const [a, b] = await Promise.all(fixture.special.hardlinks.map((file) => fs.stat(at(file))));
    assert.equal(a!.ino, b!.ino);
    assert.equal((await fs.stat(at(fixture.special.setuid))).mode & 0o7777, 0o4755);
    assert.ok((await fs.lstat(at(fixture.special.fifo))).isFIFO());
    assert.equal((await fs.stat(at('var/lib/dpkg/lock'))).size, 0);
    assert.ok((await fs.stat(at('var/log/syslog'))).size > 0);
    for (const file of ['proc', 'sys', 'dev', 'run', 'tmp/junk', 'var/log/dpkg.log.2.gz', 'var/log/apt/history.log',
      'var/cache/debconf/passwords.dat', 'var/lib/apt/lists/foo_Packages', 'root/.ssh/id_rsa', 'etc/cups/printers.conf',
      'etc/systemd/resolved.conf.d/ltsp.conf', 'etc/login.defs', 'etc/hostname', 'etc/fstab', 'etc/gshadow-',
      'etc/ssl/private/ssl-cert-snakeoil.key', fixture.special.deepFile]) {
      assert.ok(existsSync(at(file)), file);
    }
    const { stdout } = await execa('grep', ['-rlF', '-D', 'skip', '--', fixture.needles[3]!, fixture.root]);
    assert.equal(stdout.trim(), at('etc/ssh/ssh_host_ed25519_key'));
  });

  it('copies the tree into an ext4 image without mounting it', async function () {
    const image = await makeExt4Image(fixture.root, path.join(dir, 'root.ext4'));
    const cat = await execa('debugfs', ['-R', 'cat /home/alice/secret.txt', image.file]);
    assert.equal(cat.stdout.trim(), fixture.secrets.homeSecret.trim());
    const stat = await execa('debugfs', ['-R', 'stat /usr/bin/sudo', image.file]);
    assert.match(stat.stdout, /Mode: {2}04755/);
  });

  it("joins strace's split calls back into one line where the call began, so a call's arguments and result match together", () => {
    const split = [
      '10 openat(AT_FDCWD, "/a.tmp", O_WRONLY|O_CREAT|O_EXCL <unfinished ...>',
      '11 fsync(7) = 0',
      '10 <... openat resumed>) = 5',
      '10 fsync(5) = 0',
      '12 <... execve resumed>) = 0',
    ];
    assert.deepEqual(joinResumed(split), ['10 openat(AT_FDCWD, "/a.tmp", O_WRONLY|O_CREAT|O_EXCL) = 5', '11 fsync(7) = 0', '10 fsync(5) = 0', '12 <... execve resumed>) = 0']);
  });

  it('parses apt sources in both formats and finds a Debian mirror', async function () {
    const deb822 = parseDeb822(
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n' +
        'Types: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: bookworm\n',
      'x.sources',
    );
    assert.deepEqual(deb822.map((s) => [s.uris, s.suites]), [[['http://mirror.example/debian'], ['bookworm', 'bookworm-updates']]]);
    const oneLine = parseOneLine('# c\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n', 'x.list');
    assert.deepEqual(oneLine.map((s) => [s.uris, s.suites]), [[['http://m.example/debian'], ['bookworm']]]);
    assert.ok(Array.isArray(await aptSources()));
    assert.match(await debianMirror(), /^(https?|file):\/\//);
  });

  it('debootstraps a real Debian tree with openssh-server, then serves it from the cache', async function () {
    requireRoot(this);
    const first = Date.now();
    const [tarA, tarB] = await Promise.all([debianTarball(), debianTarball()]);
    assert.equal(tarA, tarB);
    const tree = await debianTree();
    const firstSeconds = (Date.now() - first) / 1000;
    try {
      for (const file of ['etc/debian_version', 'usr/sbin/sshd', 'etc/ssh/ssh_host_ed25519_key', 'dev/null']) {
        assert.ok(existsSync(path.join(tree, file)), `${file} missing from the debootstrap tree`);
      }
      assert.match(await fs.readFile(path.join(tree, 'etc/debian_version'), 'utf8'), /^12\./);
      assert.ok((await fs.lstat(path.join(tree, 'dev/null'))).isCharacterDevice());
    } finally {
      await removeScratch(tree);
    }
    const second = Date.now();
    const again = await debianTree();
    const secondSeconds = (Date.now() - second) / 1000;
    await removeScratch(again);
    console.error(`      (first debianTree ${firstSeconds.toFixed(1)} s, cached ${secondSeconds.toFixed(1)} s)`);
    assert.ok(secondSeconds < 30, `cached debianTree took ${secondSeconds} s`);
  });
});
