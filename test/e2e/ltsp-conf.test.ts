// ltsp_image reading an ltsp.conf builds the image `ltsp image` builds with the same file on /etc/ltsp: each setting, compared on real images.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { serverNetwork } from '../../src/ltsp-conf/network.js';
import { makeChrootFixture } from '../helpers/chroot-fixture.js';
import { listImage, type ImageEntry } from '../helpers/image.js';
import { referenceImage, withEtcLtsp } from '../helpers/reference.js';
import { requireRoot } from '../helpers/root.js';
import { bundleDir, parseSingleJson, runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** Random on every build (a fresh snakeoil pair), so only their presence, mode and owner are compared. */
const RANDOM_SIZE = ['etc/ssl/certs/ssl-cert-snakeoil.pem', 'etc/ssl/private/ssl-cert-snakeoil.key'];

async function listing(image: string): Promise<Map<string, ImageEntry>> {
  const entries = await listImage(image);
  for (const p of RANDOM_SIZE) if (entries.has(p)) entries.set(p, { ...entries.get(p)!, size: '*' });
  return entries;
}

async function superblock(image: string): Promise<{ compression: string; blockSize: string }> {
  const { stdout } = await execa('unsquashfs', ['-s', image], { encoding: 'utf8' });
  return { compression: /^Compression (\S+)/m.exec(stdout)![1]!, blockSize: /^Block size (\d+)/m.exec(stdout)![1]! };
}

describe('ltsp.conf, compared with ltsp image', function () {
  let scratch: string;
  let source: string;

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('ltsp-conf-');
    source = (await makeChrootFixture(path.join(scratch, 'src/fixture'))).root;
    // A kernel pair only KERNEL_INITRD finds, a file only OMIT_IMAGE_EXCLUDES lets in, one ADD_IMAGE_EXCLUDES keeps out.
    await fs.mkdir(path.join(source, 'boot/alt'), { recursive: true });
    await fs.writeFile(path.join(source, 'boot/alt/vmlinuz'), 'alternative kernel\n');
    await fs.writeFile(path.join(source, 'boot/alt/initrd.img'), 'alternative initrd\n');
    await fs.mkdir(path.join(source, 'mnt/data'), { recursive: true });
    await fs.writeFile(path.join(source, 'mnt/data/kept'), 'omitted exclude\n');
    await fs.mkdir(path.join(source, 'opt/big'), { recursive: true });
    await fs.writeFile(path.join(source, 'opt/big/dropped'), 'added exclude\n');
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  /** A fresh dir with ltsp.conf (text from make(dir)), and the base/tftp dirs of each tool under it. */
  async function setup(name: string, make: (dir: string) => string) {
    const dir = path.join(scratch, name);
    await fs.mkdir(path.join(dir, 'etc-ltsp'), { recursive: true });
    const conf = path.join(dir, 'etc-ltsp/ltsp.conf');
    await fs.writeFile(conf, make(dir));
    return { dir, confDir: path.join(dir, 'etc-ltsp'), conf };
  }

  async function reference(confDir: string, args: string[], env: Record<string, string> = {}) {
    const run = await referenceImage(scratch, confDir, args, env);
    assert.equal(run.code, 0, run.output);
    return run;
  }

  async function module(conf: string, args: Record<string, unknown> = {}) {
    const run = await runModule('ltsp_image', { name: source, ltsp_conf: conf, ...args });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    return run.result;
  }

  it('BASE_DIR, TFTP_DIR, MKSQUASHFS_PARAMS, IONICE, KERNEL_INITRD, ADD/OMIT_IMAGE_EXCLUDES: the same image, kernel and prefix', async function () {
    const network = serverNetwork();
    const hostname = os.hostname().toLowerCase();
    const make = (tool: string) => (dir: string) => {
      const wrapper = path.join(dir, 'prefix.sh');
      return [
        '# Settings spread over the sections ltsp image evaluates, with its quoting',
        `BASE_DIR=${dir}/${tool}-base`,
        '[common]',
        'INCLUDE = Compression',
        `TFTP_DIR = "$BASE_DIR/../${tool}-tftp"`,
        '[server]',
        `IONICE='${wrapper} ${path.join(dir, `${tool}.prefix-ran`)}'`,
        '[compression]',
        'MKSQUASHFS_PARAMS="-comp gzip"',
        '[image/]',
        'KERNEL_INITRD="boot/alt/vmlinuz s|vmlinuz|initrd.img|"',
        'OMIT_IMAGE_EXCLUDES="mnt/*"',
        `[image/${hostname}]`,
        'ADD_IMAGE_EXCLUDES=opt/big',
        ...(network ? [`[${network.mac}]`, 'MKSQUASHFS_PARAMS="$MKSQUASHFS_PARAMS -b 262144"'] : []),
        '[clients]',
        'if [ -n "$x" ]; then echo client code; fi',
        '',
      ].join('\n');
    };
    const ref = await setup('all-ref', make('ref'));
    const mod = await setup('all-mod', make('mod'));
    for (const d of [ref.dir, mod.dir]) {
      await fs.writeFile(path.join(d, 'prefix.sh'), '#!/bin/sh\ntouch "$1"; shift; exec "$@"\n', { mode: 0o755 });
    }
    await reference(ref.confDir, [source]);
    const result = await module(mod.conf);
    const refImage = path.join(ref.dir, 'ref-base/images/fixture.img');
    const modImage = path.join(mod.dir, 'mod-base/images/fixture.img');
    assert.equal(result.image, modImage);
    assert.deepEqual(await listing(modImage), await listing(refImage));
    const entries = await listing(modImage);
    assert.ok(entries.has('mnt/data/kept') && !entries.has('opt/big/dropped'), 'OMIT and ADD_IMAGE_EXCLUDES took effect');
    assert.deepEqual(await superblock(modImage), await superblock(refImage));
    assert.deepEqual(await superblock(modImage), { compression: 'gzip', blockSize: network ? '262144' : '131072' });
    for (const file of ['vmlinuz', 'initrd.img']) {
      const refKernel = await fs.readFile(path.join(ref.dir, 'ref-tftp/ltsp/fixture', file), 'utf8');
      assert.equal(await fs.readFile(path.join(mod.dir, 'mod-tftp/ltsp/fixture', file), 'utf8'), refKernel);
      assert.match(refKernel, /^alternative/);
    }
    assert.ok(await fs.stat(path.join(ref.dir, 'ref.prefix-ran')) && (await fs.stat(path.join(mod.dir, 'mod.prefix-ran'))), 'both ran mksquashfs under IONICE');
    assert.deepEqual(Object.keys(result.from_ltsp_conf as object).sort(), [
      'add_image_excludes', 'base_dir', 'ionice', 'kernel_initrd', 'mksquashfs_params', 'omit_image_excludes', 'tftp_dir',
    ]);
    assert.equal((result.from_ltsp_conf as Record<string, string>).base_dir, `${mod.conf}:2`);
  });

  it('CLEANUP=0 and BACKUP=0: accounts kept and no .old, as with ltsp image', async function () {
    const make = (dir: string) => `[server]\nCLEANUP=0\n[image/]\nBACKUP=0\nBASE_DIR=${dir}/base\nTFTP_DIR=${dir}/tftp\n`;
    const ref = await setup('flags-ref', make);
    const mod = await setup('flags-mod', make);
    for (let i = 0; i < 2; i++) {
      await reference(ref.confDir, [source]);
      await module(mod.conf, { force: true });
    }
    const refImage = path.join(ref.dir, 'base/images/fixture.img');
    const modImage = path.join(mod.dir, 'base/images/fixture.img');
    assert.deepEqual(await listing(modImage), await listing(refImage));
    const passwd = (await listing(modImage)).get('etc/passwd')!;
    assert.equal(passwd.size, String((await fs.stat(path.join(source, 'etc/passwd'))).size), 'CLEANUP=0 kept the accounts');
    assert.deepEqual(await fs.readdir(path.join(mod.dir, 'base/images')).then((l) => l.filter((f) => f.endsWith('.old'))), []);
    assert.deepEqual(await fs.readdir(path.join(ref.dir, 'base/images')).then((l) => l.filter((f) => f.endsWith('.old'))), []);
    // On the command line a flag is explicit too: -b 1 keeps the backup whatever the file says.
    const cli = await runModule('ltsp_image', '', { argv: ['--json', '--force', '-b', '1', '--ltsp-conf', mod.conf, source] });
    assert.equal(cli.code, 0, cli.stdout);
    assert.equal(cli.result.backup, `${modImage}.old`);
    assert.deepEqual(Object.keys(cli.result.from_ltsp_conf as object).sort(), ['base_dir', 'cleanup', 'tftp_dir']);
  });

  it('reads /etc/ltsp/ltsp.conf when ltsp_conf is not given, and ignores it with ltsp_conf: ""', async function () {
    const mod = await setup('default', (dir) => `[server]\nBASE_DIR=${dir}/base\nTFTP_DIR=${dir}/tftp\n`);
    const json = (args: Record<string, unknown>) => JSON.stringify({ name: source, check_mode: true, ...args });
    const run = await withEtcLtsp(scratch, mod.confDir, [process.execPath, path.join(bundleDir, 'ltsp_image')], {}, json({}));
    const result = parseSingleJson(run.stdout);
    assert.equal(result.image, path.join(mod.dir, 'base/images/fixture.img'), run.output);
    assert.deepEqual(result.from_ltsp_conf, { base_dir: '/etc/ltsp/ltsp.conf:2', tftp_dir: '/etc/ltsp/ltsp.conf:3' });
    const ignored = parseSingleJson((await withEtcLtsp(scratch, mod.confDir, [process.execPath, path.join(bundleDir, 'ltsp_image')], {}, json({ ltsp_conf: '' }))).stdout);
    assert.equal(ignored.image, '/srv/ltsp/images/fixture.img');
    assert.equal(ignored.from_ltsp_conf, undefined);
  });

  it('ltsp_image_info and ltsp_image_revert find the images where ltsp.conf put them, as ltsp image -r does', async function () {
    const mod = await setup('others', (dir) => `[server]\nBASE_DIR=${dir}/base\nTFTP_DIR=${dir}/tftp\n`);
    await module(mod.conf);
    await module(mod.conf, { force: true });
    const info = await runModule('ltsp_image_info', { ltsp_conf: mod.conf, drift: false });
    assert.equal(info.code, 0, info.stdout);
    assert.deepEqual((info.result.images as { name: string }[]).map((i) => i.name), ['fixture']);
    assert.deepEqual(info.result.from_ltsp_conf, { base_dir: `${mod.conf}:2`, tftp_dir: `${mod.conf}:3` });
    const revert = await runModule('ltsp_image_revert', { name: 'fixture', ltsp_conf: mod.conf });
    assert.equal(revert.code, 0, revert.stdout);
    assert.equal(revert.result.image, path.join(mod.dir, 'base/images/fixture.img'));
    assert.equal(revert.result.reason, 'reverted');
    assert.ok(await fs.stat(path.join(mod.dir, 'tftp/ltsp/fixture/vmlinuz')));
  });

  it('an explicit option or flag wins over ltsp.conf, in both tools; a changed setting is a config change', async function () {
    // A section header is needed: the reference's ini2sh writes a broken section list for a file without any.
    const make = (dir: string) => `[server]\nMKSQUASHFS_PARAMS="-comp gzip"\nBASE_DIR=${dir}/base\nTFTP_DIR=${dir}/tftp\n`;
    const ref = await setup('wins-ref', make);
    const mod = await setup('wins-mod', make);
    await reference(ref.confDir, ['-m', '-comp xz', source]);
    const first = await module(mod.conf, { mksquashfs_params: '-comp xz' });
    assert.deepEqual(first.from_ltsp_conf, { base_dir: `${mod.conf}:3`, tftp_dir: `${mod.conf}:4` });
    const modImage = path.join(mod.dir, 'base/images/fixture.img');
    assert.deepEqual(await superblock(modImage), await superblock(path.join(ref.dir, 'base/images/fixture.img')));
    assert.equal((await superblock(modImage)).compression, 'xz');
    // Without the option the file's gzip applies: a config change like any other.
    const second = await module(mod.conf);
    assert.equal(second.reason, 'config_changed');
    assert.deepEqual(second.config_changes, ['mksquashfs_params']);
    assert.equal((await superblock(modImage)).compression, 'gzip');
    assert.equal((await module(mod.conf)).reason, 'up_to_date');
  });
});
