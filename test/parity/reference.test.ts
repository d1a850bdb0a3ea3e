// The differential test: Debian's `ltsp image` (the reference tool) and ltsp_image build the same sources, and the results must match.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { buildInRoot, buildOnHost, type BuildArgs, type Pair } from '../helpers/build-both.js';
import { debianTree } from '../helpers/debootstrap.js';
import { makeExt4Image } from '../helpers/disk-fixtures.js';
import { listImage } from '../helpers/image.js';
import { linkAndXattrDifferences, linkedAndAttributed } from '../helpers/image-links.js';
import { ACCOUNT_FILES, accountDifferences, assertSame, contentDifferences, kernelDifferences, outputDifferences, pathDifferences } from '../helpers/image-diff.js';
import { prepareServerRoot } from '../helpers/reference.js';
import { requireRoot } from '../helpers/root.js';
import { addContainerLayer, CONTAINER_LAYER, makeStackedSources, seedServerTree, SERVER_KERNEL, STACKED_KERNEL } from '../helpers/server-tree.js';
import { PRINTER_COMMENTS, PRINTERS_WITH_QUEUE, seedNonUtf8Logs, seedSymlinkedSecrets, NON_UTF8_LOGS } from '../helpers/symlinked-secrets.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';
import { longPath, removeLongPaths, seedLongPaths } from '../helpers/long-paths.js';

/** A server: what `ltsp image /` itself needs to run inside it (python3 for pwmerge, mksquashfs, ltsp), and sshd. */
const SERVER_PACKAGES = ['openssh-server', 'python3', 'squashfs-tools', 'iproute2', 'openssl', 'ltsp', 'busybox', 'fdisk'];

/**
 * Random by nature: both tools make a new snakeoil key and certificate (and the reference's has another subject,
 * see the README), so these are compared by presence, type, mode and owner, not size or bytes. ssh host keys are
 * random too, but the exclude list keeps them out of both images.
 */
const RANDOM = ['etc/ssl/private/ssl-cert-snakeoil.key', 'etc/ssl/certs/ssl-cert-snakeoil.pem'];

/**
 * mksquashfs parameters for both tools: lz4 instead of the default gzip makes each build seconds instead of a
 * minute on this tree. The comparison reads the images through unsquashfs, so compression changes nothing it sees.
 */
const PARAMS = '-comp lz4';

/** The same build for both: the reference's flags and source, and the options that say the same to ltsp_image. */
function both(reference: string[], ours: Record<string, unknown>, ltspConf?: string): BuildArgs {
  return { reference: ['-m', PARAMS, ...reference], ours: { mksquashfs_params: PARAMS, ...ours }, ...(ltspConf !== undefined ? { ltspConf } : {}) };
}

interface Case {
  title: string;
  /** Builds with both tools into dir/reference and dir/ours. */
  build: (dir: string) => Promise<Pair>;
  /** Paths the reference's image has and lacks, proving the case exercises what its title says. */
  has: string[];
  lacks: string[];
  /** Paths the reference's image has hard-linked or with xattrs, proving the links and xattrs check sees some. */
  linksAndXattrs?: { linked: string[]; attributed: string[] };
  /** Path differences that are deliberate (each listed in the README's "Differences from `ltsp image`"). */
  expectedPaths?: string[];
  /** Whether ltsp_image's mksquashfs reads the source itself (pseudo files for cleanup's changes) or the overlay. */
  direct?: boolean;
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
    stacked = await makeStackedSources(tree, path.join(scratch, 'stacked'));
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  const CASES: Case[] = [
    {
      title: 'a chroot directory',
      build: (dir) => buildOnHost(dir, both([tree], { name: tree })),
      has: ['etc/cups/printers.conf', 'etc/ssl/private/ssl-cert-snakeoil.key', 'var/log/syslog', 'vmlinuz', `boot/vmlinuz-${SERVER_KERNEL}`],
      lacks: ['etc/shadow-', 'etc/systemd/resolved.conf.d/ltsp.conf', 'home/alice', 'etc/ssh/ssh_host_ed25519_key', 'var/log/syslog.1'],
      linksAndXattrs: { linked: ['opt/parity/data', 'opt/parity/data-link'], attributed: ['etc/fstab', 'opt/parity', 'opt/parity/data', 'opt/parity/tool'] },
    },
    {
      title: 'the same tree as a bare ext4 file',
      build: (dir) => buildOnHost(dir, both([disk], { name: disk })),
      has: ['lost+found', 'usr/bin/python3', 'etc/cups/printers.conf'],
      lacks: ['etc/shadow-', 'home/alice'],
    },
    {
      title: 'stacked sources (an ext4 /boot and an /opt directory, with subdir=)',
      build: (dir) => buildOnHost(dir, both([stacked], { name: stacked })),
      has: [`boot/vmlinuz-${STACKED_KERNEL}`, 'boot/lost+found', 'opt/app/bin/tool'],
      lacks: [`boot/vmlinuz-${SERVER_KERNEL}`, 'etc/shadow-'],
    },
    {
      title: 'cleanup off (-c 0 / cleanup: false)',
      build: (dir) => buildOnHost(dir, both(['-c', '0', tree], { name: tree, cleanup: false })),
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
        return buildOnHost(dir, both([tree], { name: tree, add_image_excludes: addFile, omit_image_excludes: omit }, conf));
      },
      has: ['home/alice/secret.txt', 'var/log/dpkg.log.2.gz', 'usr/share/doc', 'usr/share/man'],
      lacks: ['usr/share/doc/dpkg', 'usr/share/man/man1', 'var/cache/debconf/config.dat-old', 'var/log/syslog.1'],
    },
    {
      title: "chrootless: the server's own / (in a mount namespace whose root is the tree)",
      build: (dir) => buildInRoot(tree, dir, both(['/'], { name: '/' })),
      has: ['usr/sbin/ltsp', 'srv', `boot/vmlinuz-${SERVER_KERNEL}`, 'etc/cups/printers.conf'],
      lacks: ['srv/ltsp', 'srv/tftp', 'opt/ltsp-test', 'etc/shadow-', 'home/alice'],
    },
    {
      // The cases above keep the overlay (etc/fstab, which cleanup empties, has an xattr and a hard link); this one does not.
      title: 'a chroot that mksquashfs reads directly, cleanup given back as pseudo files',
      build: async (dir) => {
        await execa('python3', ['-c', "import os, sys; os.removexattr(sys.argv[1], 'user.parity')", path.join(tree, 'etc/fstab')]);
        await fs.rm(path.join(tree, 'etc/fstab.orig'));
        return buildOnHost(dir, both([tree], { name: tree }));
      },
      has: ['etc/cups/printers.conf', 'etc/fstab', 'var/log/syslog', 'opt/parity/data-link'],
      lacks: ['etc/shadow-', 'home/alice', 'var/log/syslog.1', 'etc/fstab.orig'],
      direct: true,
    },
    {
      title: "chrootless, read directly: the server's own / bound read-only without its submounts",
      build: (dir) => buildInRoot(tree, dir, both(['/'], { name: '/' })),
      has: ['usr/sbin/ltsp', 'srv', `boot/vmlinuz-${SERVER_KERNEL}`, 'etc/fstab'],
      lacks: ['srv/ltsp', 'srv/tftp', 'opt/ltsp-test', 'etc/shadow-', 'home/alice'],
      direct: true,
    },
    {
      title: "a chroot holding a container engine's layers: read through the overlay, which hides whiteouts, trusted.overlay.* and metacopy files",
      build: async (dir) => {
        await addContainerLayer(tree);
        return buildOnHost(dir, both([tree], { name: tree }));
      },
      has: [`${CONTAINER_LAYER}/etc`, `${CONTAINER_LAYER}/etc/kept`],
      lacks: [`${CONTAINER_LAYER}/gone`, `${CONTAINER_LAYER}/etc/meta`],
      direct: false,
    },
    {
      title: 'cleanup targets behind symlinks inside the tree (fstab through a chain), and logs directly in var/log named in bytes',
      build: async (dir) => {
        const restores = [await seedSymlinkedSecrets(tree), await seedNonUtf8Logs(tree)];
        try {
          return await buildOnHost(dir, both([tree], { name: tree }));
        } finally {
          for (const restore of restores) await restore();
        }
      },
      has: ['var/cache/debconf/passwords.dat', 'etc/fstab', 'data/fstab-link', 'data/pw.dat', 'data/fstab', ...NON_UTF8_LOGS.map((n) => `var/log/${n.toString('utf8')}`)],
      lacks: [],
      // The reference's sed -i replaces the symlink and leaves the queues and their credentials in its target.
      expectedPaths: [`data/printers.conf: size ${PRINTER_COMMENTS.length} in ours, ${PRINTERS_WITH_QUEUE.length} in the reference`],
    },
    {
      // The reference's mksquashfs reads /tmp/tmp.XXXXXXXXXX/root/PATH (25 bytes before PATH), ours ./PATH (2 bytes).
      title: 'entries 4000, 4050, 4070, 4071, 4090 and 5000 bytes long: ours stores every one the reference stores, and those 23 bytes longer',
      build: async (dir) => {
        await seedLongPaths(tree, [4000, 4050, 4070, 4071, 4090, 5000]);
        try {
          return await buildOnHost(dir, both([tree], { name: tree }));
        } finally {
          await removeLongPaths(tree);
        }
      },
      has: [4000, 4050, 4070].map(longPath),
      lacks: [4071, 4090, 5000].map(longPath),
      expectedPaths: [4071, 4090].map((n) => `only in ours: ${longPath(n)} (-rw-r--r-- 0/0 5)`),
    },
    {
      title: 'a source without tmp (the reference merges the accounts in a tmp it makes)',
      build: async (dir) => {
        const tmp = path.join(tree, 'tmp');
        await fs.rm(tmp, { recursive: true });
        try {
          return await buildOnHost(dir, both([tree], { name: tree }));
        } finally {
          await fs.mkdir(tmp);
          await fs.chmod(tmp, 0o1777);
        }
      },
      has: ['tmp'],
      lacks: ['etc/shadow-', 'home/alice'],
    },
    {
      title: "chrootless in a plain chroot, its / no mount point (a build chroot, Ansible's chroot connection)",
      build: (dir) => buildInRoot(tree, dir, both(['/'], { name: '/' }), 'plain'),
      has: ['usr/sbin/ltsp', 'srv', `boot/vmlinuz-${SERVER_KERNEL}`, 'etc/cups/printers.conf'],
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

      if (testCase.direct !== undefined) {
        it(testCase.direct ? 'is read directly by ltsp_image' : 'is read through the overlay by ltsp_image', () => {
          assert.equal(pair!.command.includes('-pf'), testCase.direct, pair!.command.join(' '));
        });
      }

      it('has the same paths with the same type, mode, owner, size and symlink target', async () => {
        const differences = await pathDifferences(pair!.reference.image, pair!.ours.image, new Set([...RANDOM, ...ACCOUNT_FILES]));
        assertSame('paths', differences, testCase.expectedPaths);
      });

      it('has the same bytes in every file of etc, var, boot, opt, srv, root and home, random keys aside', async () => {
        const differences = await contentDifferences(pair!.reference.unpacked, pair!.ours.unpacked, new Set([...RANDOM, ...ACCOUNT_FILES]));
        assertSame('file contents', differences);
      });

      it('has the same hard links and extended attributes (security.capability too) in etc, var, boot, opt, srv, root and home', async () => {
        const differences = await linkAndXattrDifferences(pair!.reference.unpacked, pair!.ours.unpacked);
        assertSame('hard links and xattrs', differences);
        if (testCase.linksAndXattrs) {
          const { linked, attributed } = await linkedAndAttributed(pair!.reference.unpacked);
          assert.deepEqual(testCase.linksAndXattrs.linked.filter((p) => !linked.includes(p)), [], `linked in the reference: ${linked.join(' ')}`);
          assert.deepEqual(testCase.linksAndXattrs.attributed.filter((p) => !attributed.includes(p)), [], `with xattrs in the reference: ${attributed.join(' ')}`);
        }
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
