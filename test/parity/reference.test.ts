// The differential test: Debian's `ltsp image` (the reference tool) and ltsp_image build the same sources, and the results must match.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { debianTree } from '../helpers/debootstrap.js';
import { makeExt4Image } from '../helpers/disk-fixtures.js';
import { listImage } from '../helpers/image.js';
import {
  ACCOUNT_FILES,
  accountDifferences,
  contentDifferences,
  differencesMessage,
  extractImage,
  kernelDifferences,
  outputDifferences,
  pathDifferences,
} from '../helpers/image-diff.js';
import { prepareServerRoot, referenceVersions, runModuleInRoot, runReference, runReferenceInRoot } from '../helpers/reference.js';
import { requireRoot } from '../helpers/root.js';
import { runModule } from '../helpers/run-module.js';
import { seedServerTree, writeKernel } from '../helpers/server-tree.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** A server: what `ltsp image /` itself needs to run inside it (python3 for pwmerge, mksquashfs, ltsp), and sshd. */
const SERVER_PACKAGES = ['openssh-server', 'python3', 'squashfs-tools', 'iproute2', 'openssl', 'ltsp', 'busybox', 'fdisk'];

/**
 * Random by nature: both tools make a new snakeoil key and certificate (and the reference's has another subject,
 * see the README), so these are compared by presence, type, mode and owner, not size or bytes. ssh host keys are
 * random too, but the exclude list keeps them out of both images.
 */
const RANDOM = ['etc/ssl/private/ssl-cert-snakeoil.key', 'etc/ssl/certs/ssl-cert-snakeoil.pem'];

interface Output {
  /** BASE and TFTP of the run: dir/WHO/ltsp and dir/WHO/tftp. */
  base: string;
  tftp: string;
  name: string;
  image: string;
  kernelDir: string;
  unpacked: string;
}

/** What one tool's run left in dir/who, with the image's content dirs unpacked. */
async function outputOf(dir: string, who: string, name: string): Promise<Output> {
  const base = path.join(dir, who, 'ltsp');
  const tftp = path.join(dir, who, 'tftp');
  const image = path.join(base, 'images', `${name}.img`);
  return { base, tftp, name, image, kernelDir: path.join(tftp, 'ltsp', name), unpacked: await extractImage(image, path.join(dir, who, 'unpacked')) };
}

interface Pair {
  reference: Output;
  ours: Output;
}

interface Case {
  title: string;
  /** Builds with both tools into dir/reference and dir/ours. */
  build: (dir: string) => Promise<Pair>;
  /** Paths the reference's image has and lacks, proving the case exercises what its title says. */
  has: string[];
  lacks: string[];
  /** Path differences that are deliberate (each listed in the README's "Differences from `ltsp image`"). */
  expectedPaths?: string[];
}

/**
 * mksquashfs parameters for both tools: lz4 instead of the default gzip makes each build seconds instead of a
 * minute on this tree. The comparison reads the images through unsquashfs, so compression changes nothing it sees.
 */
const MKSQUASHFS_PARAMS = '-comp lz4';

/** Fails with every difference, one per line; an expected difference that no longer shows fails too. */
function assertSame(what: string, found: string[], expected: readonly string[] = []): void {
  const unexpected = found.filter((d) => !expected.includes(d));
  const gone = expected.filter((d) => !found.includes(d));
  if (unexpected.length === 0 && gone.length === 0) return;
  const parts = [unexpected.length > 0 ? differencesMessage(what, unexpected) : ''];
  if (gone.length > 0) parts.push(`expected differences in ${what} that no longer show (update the test and the README):\n  ${gone.join('\n  ')}`);
  assert.fail(parts.filter(Boolean).join('\n'));
}

describe('ltsp_image and `ltsp image` (Debian ltsp 23.02) build the same image', function () {
  let scratch: string;
  let tree: string;
  let disk: string;
  let stacked: string;

  before(async function () {
    requireRoot(this);
    this.timeout(30 * 60 * 1000);
    scratch = await scratchDir('parity-');
    tree = path.join(scratch, 'bookworm');
    await fs.rename(await debianTree({ include: SERVER_PACKAGES }), tree);
    // A debootstrap target's root keeps the 0700 of the temp dir it was made in; a real chroot's root is 0755.
    await fs.chmod(tree, 0o755);
    await seedServerTree(tree);
    await prepareServerRoot(tree);
    await fs.mkdir(path.join(scratch, 'disk'));
    disk = (await makeExt4Image(tree, path.join(scratch, 'disk/bookworm.img'))).file;

    // Stacked: a separate /boot filesystem (ext4 file) with its own kernel, and an /opt directory whose root is not 0755.
    const bootTree = path.join(scratch, 'boot-tree');
    await writeKernel(bootTree, '6.1.0-99-amd64');
    await fs.rename(path.join(bootTree, 'boot'), path.join(scratch, 'boot-files'));
    await fs.rm(bootTree, { recursive: true });
    const bootFs = (await makeExt4Image(path.join(scratch, 'boot-files'), path.join(scratch, 'disk/boot.ext4'), 'boot')).file;
    const opt = path.join(scratch, 'opt-src');
    await fs.mkdir(path.join(opt, 'app/bin'), { recursive: true });
    await fs.writeFile(path.join(opt, 'app/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
    await fs.chmod(opt, 0o750);
    await fs.chown(opt, 0, 50);
    stacked = `${tree},,${bootFs},subdir=boot,,${opt},subdir=opt`;
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  /** Builds with the reference on the machine and with our bundle, each with its own base and TFTP dirs. */
  function onHost(referenceArgs: string[], ours: Record<string, unknown>, ltspConf?: string): Case['build'] {
    return async (dir) => {
      const ref = { baseDir: path.join(dir, 'reference/ltsp'), tftpDir: path.join(dir, 'reference/tftp') };
      await runReference(['-m', MKSQUASHFS_PARAMS, ...referenceArgs], { ...ref, confDir: path.join(dir, 'etc-ltsp'), ...(ltspConf !== undefined ? { ltspConf } : {}) });
      const run = await runModule('ltsp_image', {
        base_dir: path.join(dir, 'ours/ltsp'),
        tftp_dir: path.join(dir, 'ours/tftp'),
        mksquashfs_params: MKSQUASHFS_PARAMS,
        ...ours,
      });
      assert.equal(run.code, 0, run.stdout);
      const name = String(run.result.image_name);
      return { reference: await outputOf(dir, 'reference', name), ours: await outputOf(dir, 'ours', name) };
    };
  }

  /** Chrootless: both run with the tree as `/`, with their defaults (/srv/ltsp and /srv/tftp inside it), one after the other. */
  const chrootless: Case['build'] = async (dir) => {
    const versions = await referenceVersions(tree);
    assert.equal(versions.inRoot, versions.host, 'the ltsp package in the tree is the one on the machine');
    const collect = async (who: string): Promise<Output> => {
      // Moved out of the tree so the next run starts from the same `/`.
      for (const d of ['ltsp', 'tftp']) await fs.rename(path.join(tree, 'srv', d), path.join(dir, who, d)).catch(async (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      });
      return outputOf(dir, who, 'x86_64');
    };
    await fs.mkdir(path.join(dir, 'reference'), { recursive: true });
    await fs.mkdir(path.join(dir, 'ours'), { recursive: true });
    await runReferenceInRoot(tree, ['-m', MKSQUASHFS_PARAMS, '/']);
    const reference = await collect('reference');
    const run = await runModuleInRoot(tree, { name: '/', mksquashfs_params: MKSQUASHFS_PARAMS });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.result.image, '/srv/ltsp/images/x86_64.img');
    return { reference, ours: await collect('ours') };
  };

  const CASES: Case[] = [
    {
      title: 'a chroot directory',
      build: (dir) => onHost([tree], { name: tree })(dir),
      has: ['etc/cups/printers.conf', 'etc/ssl/private/ssl-cert-snakeoil.key', 'var/log/syslog', 'vmlinuz', 'boot/vmlinuz-6.1.0-13-amd64'],
      lacks: ['etc/shadow-', 'etc/systemd/resolved.conf.d/ltsp.conf', 'home/alice', 'etc/ssh/ssh_host_ed25519_key', 'var/log/syslog.1'],
    },
    {
      title: 'the same tree as a bare ext4 file',
      build: (dir) => onHost([disk], { name: disk })(dir),
      has: ['lost+found', 'usr/bin/python3', 'etc/cups/printers.conf'],
      lacks: ['etc/shadow-', 'home/alice'],
    },
    {
      title: 'stacked sources (an ext4 /boot and an /opt directory, with subdir=)',
      build: (dir) => onHost([stacked], { name: stacked })(dir),
      has: ['boot/vmlinuz-6.1.0-99-amd64', 'boot/lost+found', 'opt/app/bin/tool'],
      lacks: ['boot/vmlinuz-6.1.0-13-amd64', 'etc/shadow-'],
      // Ours gives a stacked source's mount point the attributes of that source's root, as it does for the image root;
      // the reference's is its overlay upper dir, always 0755 root:root.
      expectedPaths: ['opt: mode drwxr-x--- in ours, drwxr-xr-x in the reference', 'opt: owner 0/50 in ours, 0/0 in the reference'],
    },
    {
      title: 'cleanup off (-c 0 / cleanup: false)',
      build: (dir) => onHost(['-c', '0', tree], { name: tree, cleanup: false })(dir),
      has: ['etc/shadow-', 'etc/systemd/resolved.conf.d/ltsp.conf', 'etc/cups/printers.conf'],
      lacks: ['home/alice'],
    },
    {
      title: 'added and omitted excludes (ltsp.conf / add_image_excludes, omit_image_excludes)',
      build: async (dir) => {
        const addFile = path.join(dir, 'add.excludes');
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(addFile, '# docs are not needed on clients\nusr/share/doc/*\nusr/share/man/*\nvar/cache/debconf/*-old\n');
        const omit = 'home/*\nvar/log/*.gz';
        const conf = `[server]\nADD_IMAGE_EXCLUDES=${addFile}\nOMIT_IMAGE_EXCLUDES="${omit}"\n`;
        return onHost([tree], { name: tree, add_image_excludes: addFile, omit_image_excludes: omit }, conf)(dir);
      },
      has: ['home/alice/secret.txt', 'var/log/dpkg.log.2.gz', 'usr/share/doc', 'usr/share/man'],
      lacks: ['usr/share/doc/dpkg', 'usr/share/man/man1', 'var/cache/debconf/config.dat-old', 'var/log/syslog.1'],
    },
    {
      title: "chrootless: the server's own / (in a mount namespace whose root is the tree)",
      build: chrootless,
      has: ['usr/sbin/ltsp', 'srv', 'boot/vmlinuz-6.1.0-13-amd64', 'etc/cups/printers.conf'],
      lacks: ['srv/ltsp', 'srv/tftp', 'opt/ltsp-test', 'etc/shadow-', 'home/alice'],
    },
  ];

  for (const [index, testCase] of CASES.entries()) {
    describe(testCase.title, function () {
      let pair: Pair | undefined;
      before(async function () {
        requireRoot(this);
        this.timeout(10 * 60 * 1000);
        pair = await testCase.build(path.join(scratch, `case-${index}`));
      });
      after(async () => {
        // The unpacked trees are big; the images stay until the end for a look after a failure.
        if (pair) for (const o of [pair.reference, pair.ours]) await fs.rm(o.unpacked, { recursive: true, force: true });
      });

      it('is the case its title says (paths the reference image has and lacks)', async () => {
        const paths = await listImage(pair!.reference.image);
        assert.deepEqual(testCase.has.filter((p) => !paths.has(p)), [], 'missing from the reference image');
        assert.deepEqual(testCase.lacks.filter((p) => paths.has(p)), [], 'present in the reference image');
      });

      it('has the same paths with the same type, mode, owner, size and symlink target', async () => {
        const differences = await pathDifferences(pair!.reference.image, pair!.ours.image, new Set([...RANDOM, ...ACCOUNT_FILES]));
        assertSame('paths', differences, testCase.expectedPaths);
      });

      it('has the same bytes in every file of etc, var, boot, opt, srv, root and home, random keys aside', async () => {
        const differences = await contentDifferences(pair!.reference.unpacked, pair!.ours.unpacked, new Set([...RANDOM, ...ACCOUNT_FILES]));
        assertSame('file contents', differences);
      });

      it('has the same etc/passwd, shadow, group and gshadow, line by line (group members sorted)', async () => {
        const differences = await accountDifferences(pair!.reference.unpacked, pair!.ours.unpacked);
        assertSame('account files', differences);
      });

      it('leaves BASE, BASE/images, the image, TFTP/ltsp and its image dir with the same modes and owners', async () => {
        const differences = await outputDifferences(pair!.reference, pair!.ours);
        assertSame('the output files', differences);
      });

      it('installs the same kernel and initrd to TFTP', async () => {
        const differences = await kernelDifferences(pair!.reference.kernelDir, pair!.ours.kernelDir);
        assertSame('the TFTP kernel and initrd', differences);
      });
    });
  }
});
