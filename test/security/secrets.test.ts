// Hostile data: the server's secrets never reach the image, odd file names survive, and symlinks out of the source are never followed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { workDirPrefix } from '../../src/layout/work-dir.js';
import { filesContaining, listImage, unpackImage } from '../helpers/image.js';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { LINK_TARGETS, LINKED_NEEDLES, NON_UTF8_LOGS, PRINTER_COMMENTS, PRINTERS_WITH_QUEUE, seedNonUtf8Logs, seedSymlinkedSecrets } from '../helpers/symlinked-secrets.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { settle } from '../helpers/settle.js';


const SEEDED: [string, string, number][] = [
  ['etc/NetworkManager/system-connections/school-wifi.nmconnection', '[wifi-security]\npsk=SECRET-WIFI-PSK-4242\n', 0o600],
  ['root/.ssh/authorized_keys', 'ssh-ed25519 AAAASECRET-ROOT-AUTHORIZED-KEY admin@laptop\n', 0o600],
  ['var/lib/sudo/ts/alice', 'SECRET-SUDO-TIMESTAMP\n', 0o600],
  ['etc/mysql/debian.cnf', '[client]\npassword = SECRET-MYSQL-PASSWORD\n', 0o600],
  ['etc/epoptes/server.key', '-----BEGIN PRIVATE KEY-----\nSECRET-EPOPTES-KEY\n', 0o600],
  ['var/spool/cron/crontabs/alice', '0 * * * * curl https://x/?token=SECRET-CRON-TOKEN\n', 0o600],
  ['var/mail/alice', 'From: bank\nSECRET-MAIL-CONTENT\n', 0o660],
  ['home/alice/.bash_history', 'mysql -pSECRET-HISTORY-PASSWORD\n', 0o600],
];

describe('hostile data and secrets', function () {
  const box = useSandbox('secrets-', 'chroot');
  let unpacked: string;
  let checks = 0;
  let firstCleanup: { step: string; detail: string }[] = [];

  const build = (extra: Record<string, unknown> = {}) => runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });

  before(async function () {
    for (const [rel, content, mode] of SEEDED) {
      fs.mkdirSync(path.dirname(path.join(box.source, rel)), { recursive: true });
      fs.writeFileSync(path.join(box.source, rel), content, { mode });
    }
    fs.writeFileSync(path.join(box.scratch, 'outside.txt'), 'SECRET-OUTSIDE-FILE\n');
    fs.symlinkSync(path.join(box.scratch, 'outside.txt'), path.join(box.source, 'etc/points-outside'));
    fs.symlinkSync('/etc/shadow', path.join(box.source, 'etc/host-shadow'));
    await settle();
    const run = await build();
    assert.equal(run.code, 0, run.stdout);
    firstCleanup = run.result.cleanup as typeof firstCleanup;
    unpacked = await unpackImage(path.join(box.base, 'images/fixture.img'), path.join(box.scratch, 'unpacked'));
  });
  afterEach(killStarted);
  after(async function () {
    process.stdout.write(`      secrets: ${checks} checks, none leaked\n`);
  });

  it('no seeded secret, password hash or old host key is in any file of the image', () => {
    const needles = [...SEEDED.map(([, c]) => /SECRET-[A-Z-]+/.exec(c)![0]), ...box.fixture.needles, 'SECRET-OUTSIDE-FILE'];
    assert.deepEqual(filesContaining(unpacked, needles), []);
    checks += needles.length;
  });

  it('host keys: left out of the image by default (not even regenerated), renewed when the excludes let them in', async () => {
    const entries = await listImage(path.join(box.base, 'images/fixture.img'));
    assert.deepEqual([...entries.keys()].filter((p) => p.startsWith('etc/ssh/ssh_host_')), []);
    const first = firstCleanup.find((s) => s.step === 'ssh_host_keys')?.detail;
    assert.equal(first, 'removed 2 host keys (ed25519, rsa) that the excludes keep out of the image');
    const kept = await build({ image_name: 'withkeys', omit_image_excludes: 'etc/ssh/ssh_host_*', kernel: false });
    assert.equal(kept.code, 0, kept.stdout);
    const steps = kept.result.cleanup as { step: string; detail: string }[];
    assert.equal(steps.find((s) => s.step === 'ssh_host_keys')?.detail, 'replaced 2 host keys (ed25519, rsa)');
    const dir = await unpackImage(path.join(box.base, 'images/withkeys.img'), path.join(box.scratch, 'withkeys'));
    for (const type of ['ed25519', 'rsa'] as const) {
      const key = fs.readFileSync(path.join(dir, `etc/ssh/ssh_host_${type}_key`), 'utf8');
      assert.match(key, /BEGIN OPENSSH PRIVATE KEY/);
      assert.notEqual(key, box.fixture.secrets.hostKeys[type], `${type}: a new key, not the server's`);
      assert.equal(fs.statSync(path.join(dir, `etc/ssh/ssh_host_${type}_key`)).mode & 0o777, 0o600);
    }
    checks += 2;
  });

  it("the image's passwd, shadow, group and gshadow agree with each other", () => {
    const names = (file: string) => fs.readFileSync(path.join(unpacked, file), 'utf8').trim().split('\n').map((l) => l.split(':')[0]).sort();
    assert.deepEqual(names('etc/shadow'), names('etc/passwd'));
    assert.deepEqual(names('etc/gshadow'), names('etc/group'));
    const groups = new Set(names('etc/group'));
    for (const line of fs.readFileSync(path.join(unpacked, 'etc/group'), 'utf8').trim().split('\n')) {
      for (const member of (line.split(':')[3] ?? '').split(',').filter(Boolean)) assert.ok(names('etc/passwd').includes(member), `${member} in a group but not in passwd`);
    }
    for (const line of fs.readFileSync(path.join(unpacked, 'etc/passwd'), 'utf8').trim().split('\n')) {
      const gid = line.split(':')[3];
      assert.ok([...groups].length > 0 && gid !== undefined);
    }
    checks += 3;
  });

  it('symlinks out of the source are stored as symlinks, never followed by the build or the fingerprint', async () => {
    const entries = await listImage(path.join(box.base, 'images/fixture.img'));
    assert.equal(entries.get('etc/points-outside')?.target, path.join(box.scratch, 'outside.txt'));
    assert.equal(entries.get('etc/host-shadow')?.target, '/etc/shadow');
    fs.appendFileSync(path.join(box.scratch, 'outside.txt'), 'changed outside the source\n');
    await settle();
    const again = await build();
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
    checks += 3;
  });

  it('file names with newlines, spaces, leading dashes, non-UTF-8 bytes and a 1000-level tree are built, fingerprinted and reported', async () => {
    const odd = Buffer.from(path.join(box.source, 'usr/lib/odd'));
    fs.mkdirSync(odd);
    const names = [Buffer.from('new\nline'), Buffer.from('with space'), Buffer.from('-rf'), Buffer.concat([Buffer.from('latin1-'), Buffer.from([0xe9, 0xff])])];
    for (const name of names) fs.writeFileSync(Buffer.concat([odd, Buffer.from('/'), name]), 'x\n');
    let deep = path.join(box.source, 'usr/lib/deep');
    for (let i = 0; i < 1000; i++) deep = path.join(deep, 'd');
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'bottom'), 'deep\n');
    await settle();
    const run = await build();
    assert.equal(run.result.reason, 'source_changed', run.stdout);
    const drift = run.result.drift as { added: number; added_paths: string[] };
    assert.ok(drift.added >= 1004, JSON.stringify(drift));
    const { stdout } = await execa('unsquashfs', ['-lln', '-d', '', path.join(box.base, 'images/fixture.img')], { encoding: 'buffer' });
    for (const name of names.slice(1)) assert.ok(Buffer.from(stdout).includes(name), `${name.toString('latin1')} not in the image`);
    assert.ok(Buffer.from(stdout).includes(Buffer.from(`${'/d'.repeat(1000)}/bottom`)));
    assert.equal((await build()).result.reason, 'up_to_date');
    fs.appendFileSync(Buffer.concat([odd, Buffer.from('/'), names[0]!]), 'more\n');
    await settle();
    const changed = await build();
    assert.equal(changed.result.reason, 'source_changed');
    assert.ok((changed.result.drift as { modified_paths: string[] }).modified_paths.some((p) => p.startsWith('usr/lib/odd/new')), changed.stdout);
    checks += 4;
  });

  it('keeps its work dir 0700 during a build, and never makes an image, backup or state file world-writable', async () => {
    fs.writeFileSync(path.join(box.source, 'etc/trigger'), `${Date.now()}\n`);
    await settle();
    const run = startModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp }, { LTSP_IMAGE_FAILPOINT: 'mksquashfs' });
    await run.reached('mksquashfs');
    const work = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(workDirPrefix('fixture', path.join(box.base, 'images'))));
    assert.equal(work.length, 1);
    assert.equal(fs.statSync(path.join(os.tmpdir(), work[0]!)).mode & 0o777, 0o700);
    run.child.kill('SIGKILL');
    await run.child;
    assert.equal((await build()).code, 0);
    const images = path.join(box.base, 'images');
    assert.equal(fs.statSync(images).mode & 0o777, 0o700, 'as the reference makes it');
    for (const name of fs.readdirSync(images)) assert.equal(fs.statSync(path.join(images, name)).mode & 0o002, 0, `${name} is world-writable`);
    checks += 2;
  });
});

describe('secrets behind symlinks inside the tree, and logs named in bytes', function () {
  const box = useSandbox('linked-', 'chroot');
  const build = () => runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, kernel: false });
  const image = () => path.join(box.images, 'fixture.img');
  const cat = async (rel: string) => (await execa('unsquashfs', ['-cat', image(), rel])).stdout;

  /** What both routes must give: every target scrubbed, the links kept (printers.conf a comments-only file), no secret anywhere. */
  const assertScrubbed = async (unpacked: string) => {
    assert.equal(await cat(LINK_TARGETS.passwords), '');
    assert.equal(await cat(LINK_TARGETS.fstab), '');
    assert.equal(await cat('etc/cups/printers.conf'), PRINTER_COMMENTS.trimEnd());
    assert.equal(await cat(LINK_TARGETS.printers), PRINTER_COMMENTS.trimEnd());
    const entries = await listImage(image());
    assert.equal(entries.get('var/cache/debconf/passwords.dat')?.target, `/${LINK_TARGETS.passwords}`);
    assert.equal(entries.get('etc/fstab')?.target, '../data/fstab-link');
    assert.equal(entries.get('data/fstab-link')?.target, 'fstab');
    assert.match(entries.get('etc/cups/printers.conf')?.mode ?? '', /^-rw-------/);
    await unpackImage(image(), unpacked);
    assert.deepEqual(filesContaining(unpacked, LINKED_NEEDLES), []);
  };

  it('mksquashfs reading the source directly: the targets are scrubbed in the image, an absolute link and a chain followed in the tree', async () => {
    await seedSymlinkedSecrets(box.source, { absolute: true });
    await settle();
    const run = await build();
    assert.equal(run.code, 0, run.stdout);
    assert.ok((run.result.command as string[]).includes('-pf'), 'read directly');
    const truncate = (run.result.cleanup as { step: string; detail: string }[]).find((s) => s.step === 'truncate')?.detail ?? '';
    assert.match(truncate, /etc\/fstab -> data\/fstab, var\/cache\/debconf\/passwords\.dat -> data\/pw\.dat\)$/);
    await assertScrubbed(path.join(box.scratch, 'direct'));
  });

  it("a change to a symlink target's content is never missed: the next build has it", async () => {
    fs.writeFileSync(path.join(box.source, LINK_TARGETS.printers), `# edited\n${PRINTERS_WITH_QUEUE}`);
    await settle();
    const run = await build();
    assert.equal(run.result.reason, 'source_changed', run.stdout);
    assert.equal(await cat('etc/cups/printers.conf'), `# edited\n${PRINTER_COMMENTS.trimEnd()}`);
    fs.writeFileSync(path.join(box.source, LINK_TARGETS.printers), PRINTERS_WITH_QUEUE);
    await settle();
    assert.equal((await build()).result.reason, 'source_changed');
  });

  it('through the overlay (names that are not UTF-8 keep it): the same, and the logs directly in var/log are emptied', async () => {
    await seedNonUtf8Logs(box.source);
    await settle();
    const run = await build();
    assert.equal(run.result.reason, 'source_changed', run.stdout);
    assert.ok(!(run.result.command as string[]).includes('-pf'), 'read through the overlay');
    const truncate = (run.result.cleanup as { step: string; detail: string }[]).find((s) => s.step === 'truncate')?.detail ?? '';
    assert.match(truncate, /var\/log\/\\xffsyslog/);
    const unpacked = path.join(box.scratch, 'overlay');
    await assertScrubbed(unpacked);
    for (const name of NON_UTF8_LOGS) assert.equal(fs.readFileSync(Buffer.concat([Buffer.from(`${unpacked}/var/log/`), name])).length, 0);
  });
});

describe('what cleanup cannot scrub fails the build, naming the path, and publishes nothing', function () {
  const box = useSandbox('unscrubbable-', 'chroot');
  const build = () => runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, kernel: false });
  const assertNothingPublished = () => assert.deepEqual(fs.existsSync(box.images) ? fs.readdirSync(box.images).filter((n) => n.endsWith('.img')) : [], []);

  it('a symlink leading out of the tree', async () => {
    fs.writeFileSync(path.join(box.scratch, 'fstab'), 'SECRET-HOST-FSTAB\n');
    fs.rmSync(path.join(box.source, 'etc/fstab'), { force: true });
    fs.symlinkSync('../../../fstab', path.join(box.source, 'etc/fstab'));
    await settle();
    assertFailed(await build(), /cleanup step truncate failed on .*: etc\/fstab leads out of the tree/);
    assert.equal(fs.readFileSync(path.join(box.scratch, 'fstab'), 'utf8'), 'SECRET-HOST-FSTAB\n', 'the host file is untouched');
    assertNothingPublished();
    fs.rmSync(path.join(box.source, 'etc/fstab'));
  });

  for (const file of ['shadow', 'gshadow']) {
    it(`a hard link to etc/${file}, named (one the excludes leave out is no leak)`, async () => {
      const other = path.join(box.source, `usr/local/etc/${file}.keep`);
      const excluded = path.join(box.source, `var/backups/${file}.bak`);
      for (const name of [other, excluded]) {
        fs.mkdirSync(path.dirname(name), { recursive: true });
        fs.linkSync(path.join(box.source, `etc/${file}`), name);
      }
      await settle();
      assertFailed(await build(), new RegExp(`cannot remove the password hashes: etc/${file} has 3 hard links, and the other name \\(usr/local/etc/${file}\\.keep\\) would ship its password hashes`));
      fs.rmSync(excluded);
      assertNothingPublished();
      fs.rmSync(other);
    });
  }
});
