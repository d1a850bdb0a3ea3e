// Kernel lookup decides what every client boots; these tests pin it to `ltsp kernel` on real temporary trees.
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { kernelDestinations, sameContent } from '../../src/kernel/compare.js';
import { kernelInPlace, recordKernel } from '../../src/kernel/record.js';
import { findKernel } from '../../src/kernel/find.js';
import { compileGlobComponent, globInRoot } from '../../src/kernel/glob.js';
import { installKernel } from '../../src/kernel/install.js';
import { MAX_SYMLINK_HOPS, resolveInRoot } from '../../src/kernel/resolve-in-root.js';
import { applySed, compileSed, SedSyntaxError } from '../../src/kernel/sed.js';
import { KERNEL_PATTERNS, parseKernelPattern } from '../../src/kernel/table.js';
import { filevercmp, sortVersionsDescending } from '../../src/kernel/version-sort.js';
import { execa } from 'execa';
import { requireRoot } from '../helpers/root.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/** A tree entry: file contents, or a symlink target. */
type Entry = string | { link: string };

async function build(root: string, entries: Record<string, Entry>): Promise<void> {
  for (const [rel, entry] of Object.entries(entries)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    if (typeof entry === 'string') await writeFile(file, entry);
    else await symlink(entry.link, file);
  }
}

function sed(command: string, input: string): string {
  return applySed(compileSed(command), input);
}

describe('kernel', () => {
  let tmp: string;

  beforeEach(async () => {
    tmp = await scratchDir('kernel-test-');
  });

  afterEach(async () => {
    await removeScratch(tmp);
  });

  describe('sed s converter', () => {
    it('derives initrd names with the built-in table commands', () => {
      assert.equal(sed('s|vmlinuz|initrd.img|', 'boot/vmlinuz-6.1.0-13-amd64'), 'boot/initrd.img-6.1.0-13-amd64');
      assert.equal(sed('s|vmlinuz-\\(.*\\)|initramfs-\\1.img|', 'boot/vmlinuz-5.14.0'), 'boot/initramfs-5.14.0.img');
      assert.equal(sed('s|linux|initrd|', 'boot/x86_64/loader/linux'), 'boot/x86_64/loader/initrd');
      for (const row of KERNEL_PATTERNS) assert.doesNotThrow(() => compileSed(row.sed), row.sed);
    });

    it('supports groups, back references, & and escaped &', () => {
      assert.equal(sed('s/\\(a\\)\\(b\\)/\\2\\1/', 'xaby'), 'xbay');
      assert.equal(sed('s/\\(a\\)\\(b\\)/\\10/', 'ab'), 'a0', '\\10 is group 1 then a literal 0');
      assert.equal(sed('s/b/[&]/', 'abc'), 'a[b]c');
      assert.equal(sed('s/b/\\&\\\\/', 'abc'), 'a&\\c');
      assert.equal(sed('s/\\(a\\)\\1/X/', 'aab'), 'Xb', 'back reference inside the regex');
      assert.equal(sed('s/\\(x\\)*y/[\\1]/', 'y'), '[]', 'an unmatched group expands to nothing');
      assert.equal(sed('s/b/$1$&/', 'abc'), 'a$1$bc', '$ has no special meaning in a sed replacement');
      assert.equal(sed('s/b/$$\\&/', 'abc'), 'a$$&c');
    });

    it('accepts any delimiter, and the escaped delimiter is literal', () => {
      assert.equal(sed('s,a,b,', 'aa'), 'ba');
      assert.equal(sed('s#a#b#g', 'aa'), 'bb');
      assert.equal(sed('s/boot\\/vmlinuz/x\\/y/', 'boot/vmlinuz'), 'x/y');
      assert.equal(sed('s.a\\.b.X.', 'axb a.b'), 'axb X');
      assert.equal(sed('s&a&[\\&]&', 'a'), '[&]', 'with & as delimiter, \\& is a literal &');
      assert.equal(sed('sxaxbx', 'a'), 'b');
    });

    it('replaces the first match, or every match with g, like sed with empty matches', () => {
      assert.equal(sed('s/a/b/', 'aaa'), 'baa');
      assert.equal(sed('s/a/b/g', 'aaa'), 'bbb');
      assert.equal(sed('s/a*/x/g', 'baaac'), 'xbxcx');
      assert.equal(sed('s/x*/-/g', 'abc'), '-a-b-c-');
      assert.equal(sed('s/^a/x/g', 'aaa'), 'xaa');
      assert.equal(sed('s/b/x/', 'aaa'), 'aaa');
    });

    it('translates POSIX basic regex syntax', () => {
      assert.equal(sed('s/a+?(b)|{c}/X/', 'a+?(b)|{c}'), 'X', '+ ? ( ) | { } are literal in basic regexes');
      assert.equal(sed('s/*a/X/', '*a'), 'X', 'a leading * is literal');
      assert.equal(sed('s/^*a/X/', '*a'), 'X', '* right after a leading ^ is literal');
      assert.equal(sed('s/\\(*a\\)/X/', '*a'), 'X', '* right after \\( is literal');
      assert.equal(sed('s/a$b^c/X/', 'a$b^c'), 'X', '^ and $ are literal in the middle');
      assert.equal(sed('s/^ab$/X/', 'ab'), 'X');
      assert.equal(sed('s/^ab$/X/', 'abc'), 'abc');
      assert.equal(sed('s/\\(b$\\)/X/', 'ab'), 'aX', '$ before \\) is an anchor');
      assert.equal(sed('s/a.c/X/', 'abc'), 'X');
      assert.equal(sed('s/a\\.c/X/', 'abc a.c'), 'abc X');
      assert.equal(sed('s/a\\{2,3\\}/X/', 'aaaa'), 'Xa');
      assert.equal(sed('s/a\\{2\\}/X/', 'aaa'), 'Xa');
      assert.equal(sed('s/a\\{2,\\}/X/', 'aaaaa'), 'X');
      assert.equal(sed('s/\\(ab\\)\\{2\\}/X/', 'ababab'), 'Xab');
      assert.equal(sed('s/[[:digit:]][[:digit:]]*/N/g', 'vmlinuz-6.1.0-13'), 'vmlinuz-N.N.N-N');
      assert.equal(sed('s/[^a-c]/_/g', 'abcd'), 'abc_');
      assert.equal(sed('s/[]a-]/Z/g', 'a]-b'), 'ZZZb', '] first and - last are literal');
      assert.equal(sed('s/[.]/Z/', 'a.b'), 'aZb');
    });

    it('exposes an equivalent RegExp and replacement string', () => {
      const compiled = compileSed('s|vmlinuz-\\(.*\\)|initramfs-\\1.img|');
      assert.equal(compiled.regex.source, 'vmlinuz-(.*)');
      assert.equal('boot/vmlinuz-5.14'.replace(compiled.regex, compiled.replacement), 'boot/initramfs-5.14.img');
      const global = compileSed('s/a/$&/g');
      assert.equal(global.global, true);
      assert.equal('aa'.replace(global.regex, global.replacement), '$a$a');
    });

    it('rejects anything but a supported s command, naming kernel_initrd and what is expected', () => {
      const bad = [
        '',
        'y/a/b/',
        's',
        's\\a\\b\\',
        's/a/b',
        's/a',
        's/a/b/i',
        's/a/b/2',
        's/a/b/gp',
        's//b/',
        's/[a/b/',
        's/\\(a/b/',
        's/a\\)/b/',
        's/a\\{2/b/',
        's/a\\{x\\}/b/',
        's/a\\{3,2\\}/b/',
        's/a**/b/',
        's/\\{2\\}/b/',
        's/a\\+/b/',
        's/a\\|b/c/',
        's/\\w/b/',
        's/\\1\\(a\\)/b/',
        's/a/\\1/',
        's/a/\\n/',
        's/[[:nope:]]/b/',
        's/[z-a]/b/',
        's/[\\n]/b/',
        's|[\\|a]|b|',
      ];
      for (const command of bad) {
        assert.throws(
          () => compileSed(command),
          (error: unknown) =>
            error instanceof SedSyntaxError &&
            error.message.startsWith('kernel_initrd: ') &&
            error.message.includes(JSON.stringify(command)) &&
            error.message.includes('expected s<d>REGEX<d>REPLACEMENT<d>'),
          command,
        );
      }
    });
  });

  describe('kernel_initrd option', () => {
    it('splits "GLOB SED" on the first whitespace', () => {
      assert.deepEqual(parseKernelPattern('  live/vmlinuz-*   s|vmlinuz|initrd.img|  '), {
        glob: 'live/vmlinuz-*',
        sed: 's|vmlinuz|initrd.img|',
      });
      assert.deepEqual(parseKernelPattern('k s/a b/c d/'), { glob: 'k', sed: 's/a b/c d/' });
    });

    it('rejects a missing SED, an absolute glob or a bad sed command', () => {
      assert.throws(() => parseKernelPattern('vmlinuz-*'), /^Error: kernel_initrd: expected "GLOB SED"/);
      assert.throws(() => parseKernelPattern('/boot/vmlinuz s|a|b|'), /kernel_initrd: .*relative to the image root/);
      assert.throws(() => parseKernelPattern('vmlinuz s|a|b'), /kernel_initrd: invalid sed command/);
    });
  });

  describe('version sort', () => {
    it('orders like sort -V', () => {
      assert.ok(filevercmp('vmlinuz-6.1.0-10-amd64', 'vmlinuz-6.1.0-9-amd64') > 0);
      assert.ok(filevercmp('1.0~rc1', '1.0') < 0);
      assert.ok(filevercmp('a.tar.gz', 'a1.tar.gz') < 0);
      assert.ok(filevercmp('.hidden', 'visible') < 0);
      assert.equal(filevercmp('1.01', '1.1'), 0);
    });

    it('sorts newest first like ls -rv', () => {
      assert.deepEqual(
        sortVersionsDescending([
          'boot/vmlinuz-5.10.0-9-amd64',
          'boot/vmlinuz-6.1.0-9-amd64',
          'boot/vmlinuz-6.1.0-10-amd64',
          'boot/vmlinuz-4.19.0-21-amd64',
        ]),
        [
          'boot/vmlinuz-6.1.0-10-amd64',
          'boot/vmlinuz-6.1.0-9-amd64',
          'boot/vmlinuz-5.10.0-9-amd64',
          'boot/vmlinuz-4.19.0-21-amd64',
        ],
      );
    });
  });

  describe('resolveInRoot', () => {
    it('takes an entry the overlay refuses (a file marked metacopy in a layer) as missing, as the image will not hold it', async function () {
      requireRoot(this);
      const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(tmp, d)) as [string, string, string, string];
      await build(lower, { 'boot/vmlinuz-1': 'k', 'boot/metacopy': '' });
      await Promise.all([upper, work, merged].map((d) => mkdir(d)));
      // Node.js has no xattr call (setfattr is in the attr package, which the tests do not need otherwise).
      await execa('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.metacopy", b"")', path.join(lower, 'boot/metacopy')]);
      await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
      try {
        await assert.rejects(lstat(path.join(merged, 'boot/metacopy')), { code: 'EPERM' });
        assert.equal(await resolveInRoot(merged, 'boot/metacopy'), null);
        assert.equal(await resolveInRoot(merged, 'boot/vmlinuz-1'), path.join(merged, 'boot/vmlinuz-1'));
      } finally {
        await execa('umount', [merged]);
      }
    });

    it('resolves absolute and relative symlinks inside the root', async () => {
      await build(tmp, {
        'boot/vmlinuz-1': 'k',
        vmlinuz: { link: '/boot/vmlinuz-1' },
        'vmlinuz.old': { link: 'boot/vmlinuz-1' },
        'mnt/boot': { link: '/boot' },
      });
      assert.equal(await resolveInRoot(tmp, 'vmlinuz'), path.join(tmp, 'boot/vmlinuz-1'));
      assert.equal(await resolveInRoot(tmp, '/vmlinuz.old'), path.join(tmp, 'boot/vmlinuz-1'));
      assert.equal(await resolveInRoot(tmp, 'mnt/boot/vmlinuz-1'), path.join(tmp, 'boot/vmlinuz-1'));
      assert.equal(await resolveInRoot(tmp, 'mnt/boot/../boot/./vmlinuz-1'), path.join(tmp, 'boot/vmlinuz-1'));
      assert.equal(await resolveInRoot(tmp, ''), tmp);
    });

    it('never escapes the root through absolute targets or ..', async () => {
      await build(tmp, {
        'a/b/abs': { link: '/../../etc/passwd' },
        'a/b/rel': { link: '../../../../../../../../etc/passwd' },
        'a/b/dir': { link: '/../..' },
      });
      assert.equal(await resolveInRoot(tmp, 'a/b/abs'), null, 'the host /etc/passwd must not be found');
      assert.equal(await resolveInRoot(tmp, 'a/b/rel'), null);
      assert.equal(await resolveInRoot(tmp, '../../../etc/passwd'), null);
      await build(tmp, { 'etc/passwd': 'inside' });
      assert.equal(await resolveInRoot(tmp, 'a/b/abs'), path.join(tmp, 'etc/passwd'));
      assert.equal(await resolveInRoot(tmp, 'a/b/rel'), path.join(tmp, 'etc/passwd'));
      assert.equal(await resolveInRoot(tmp, 'a/b/dir'), tmp);
      assert.equal(await resolveInRoot(tmp, 'a/b/dir/etc/passwd'), path.join(tmp, 'etc/passwd'));
    });

    it('returns null for loops, too many hops, missing files and files used as directories', async () => {
      const links: Record<string, Entry> = { self: { link: 'self' }, ping: { link: 'pong' }, pong: { link: '/ping' } };
      links.target = 'end';
      links['hop0'] = { link: 'target' };
      for (let i = 1; i <= MAX_SYMLINK_HOPS; i++) links[`hop${i}`] = { link: `hop${i - 1}` };
      await build(tmp, links);
      assert.equal(await resolveInRoot(tmp, 'self'), null);
      assert.equal(await resolveInRoot(tmp, 'ping'), null);
      assert.equal(await resolveInRoot(tmp, `hop${MAX_SYMLINK_HOPS - 1}`), path.join(tmp, 'target'));
      assert.equal(await resolveInRoot(tmp, `hop${MAX_SYMLINK_HOPS}`), null);
      assert.equal(await resolveInRoot(tmp, 'missing'), null);
      assert.equal(await resolveInRoot(tmp, 'target/x'), null);
      assert.equal(await resolveInRoot(tmp, 'target/..'), null);
    });
  });

  describe('glob', () => {
    it('matches *, ? and [...] within one component, like the shell', async () => {
      await build(tmp, {
        'boot/x86_64/loader/linux': 'k',
        'boot/.hidden/loader/linux': 'k',
        'boot/vmlinuz-1': 'k',
        'boot/vmlinuz-22': 'k',
        'boot/sub/vmlinuz-3': 'k',
        'mnt/efi': { link: '/boot' },
      });
      const sorted = async (base: string, glob: string): Promise<string[]> => (await globInRoot(tmp, base, glob)).sort();
      assert.deepEqual(await sorted('', 'boot/*/loader/linux'), ['boot/x86_64/loader/linux']);
      assert.deepEqual(await sorted('boot', 'vmlinuz-*'), ['vmlinuz-1', 'vmlinuz-22']);
      assert.deepEqual(await sorted('boot', 'vmlinuz-?'), ['vmlinuz-1']);
      assert.deepEqual(await sorted('boot', 'vmlinuz-[!1]*'), ['vmlinuz-22']);
      assert.deepEqual(await sorted('', 'mnt/efi/vmlinuz-[[:digit:]]'), ['mnt/efi/vmlinuz-1']);
      assert.deepEqual(await sorted('', 'boot/.*/loader/linux'), ['boot/.hidden/loader/linux']);
      assert.deepEqual(await sorted('', 'boot/vmlinuz-1'), ['boot/vmlinuz-1']);
      assert.deepEqual(await sorted('', 'boot/missing'), []);
      assert.deepEqual(await sorted('', 'nodir/*'), []);
      assert.ok('literal' in compileGlobComponent('a\\*b'));
      assert.ok('literal' in compileGlobComponent('a[b'), 'an unterminated [ is literal');
    });
  });

  describe('findKernel', () => {
    const debian = {
      'boot/vmlinuz-6.1.0-9-amd64': 'kernel 9',
      'boot/initrd.img-6.1.0-9-amd64': 'initrd 9',
      'boot/vmlinuz-6.1.0-10-amd64': 'kernel 10',
      'boot/initrd.img-6.1.0-10-amd64': 'initrd 10',
    };

    it('prefers the Debian /vmlinuz and /initrd.img absolute symlinks, resolved inside the image', async () => {
      await build(tmp, {
        ...debian,
        vmlinuz: { link: '/boot/vmlinuz-6.1.0-9-amd64' },
        'initrd.img': { link: '/boot/initrd.img-6.1.0-9-amd64' },
      });
      assert.deepEqual(await findKernel(tmp), {
        vmlinuz: 'vmlinuz',
        initrd: 'initrd.img',
        vmlinuzPath: path.join(tmp, 'boot/vmlinuz-6.1.0-9-amd64'),
        initrdPath: path.join(tmp, 'boot/initrd.img-6.1.0-9-amd64'),
      });
    });

    it('picks the newest version by version sort without the symlinks', async () => {
      await build(tmp, debian);
      assert.deepEqual(await findKernel(tmp), {
        vmlinuz: 'boot/vmlinuz-6.1.0-10-amd64',
        initrd: 'boot/initrd.img-6.1.0-10-amd64',
        vmlinuzPath: path.join(tmp, 'boot/vmlinuz-6.1.0-10-amd64'),
        initrdPath: path.join(tmp, 'boot/initrd.img-6.1.0-10-amd64'),
      });
    });

    it('skips a kernel whose initrd does not exist', async () => {
      await build(tmp, { ...debian, 'boot/vmlinuz-6.1.0-11-amd64': 'kernel 11 without initrd' });
      assert.equal((await findKernel(tmp))?.vmlinuz, 'boot/vmlinuz-6.1.0-10-amd64');
    });

    it('finds CentOS initramfs images, newest before the rescue kernel', async () => {
      await build(tmp, {
        'boot/vmlinuz-0-rescue-0123abcd': 'rescue',
        'boot/initramfs-0-rescue-0123abcd.img': 'rescue initrd',
        'boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64': 'kernel',
        'boot/initramfs-5.14.0-362.8.1.el9_3.x86_64.img': 'initrd',
        'boot/vmlinuz-5.14.0-70.13.1.el9_0.x86_64': 'old kernel',
        'boot/initramfs-5.14.0-70.13.1.el9_0.x86_64.img': 'old initrd',
      });
      const match = await findKernel(tmp);
      assert.equal(match?.vmlinuz, 'boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64');
      assert.equal(match?.initrd, 'boot/initramfs-5.14.0-362.8.1.el9_3.x86_64.img');
    });

    it('finds casper media that only have initrd.lz', async () => {
      await build(tmp, { 'casper/vmlinuz': 'k', 'casper/initrd.lz': 'i', 'casper/filesystem.squashfs': '' });
      const match = await findKernel(tmp);
      assert.equal(match?.vmlinuz, 'casper/vmlinuz');
      assert.equal(match?.initrd, 'casper/initrd.lz');
      assert.equal(match?.initrdPath, path.join(tmp, 'casper/initrd.lz'));
    });

    it('finds openSUSE and Tiny Core layouts', async () => {
      await build(tmp, { 'boot/x86_64/loader/linux': 'k', 'boot/x86_64/loader/initrd': 'i' });
      assert.equal((await findKernel(tmp))?.initrd, 'boot/x86_64/loader/initrd');
      await rm(path.join(tmp, 'boot'), { recursive: true });
      await build(tmp, { 'boot/vmlinuz': 'k', 'boot/core.gz': 'i' });
      assert.deepEqual(
        [(await findKernel(tmp))?.vmlinuz, (await findKernel(tmp))?.initrd],
        ['boot/vmlinuz', 'boot/core.gz'],
      );
    });

    it('tries the user pattern first', async () => {
      await build(tmp, { ...debian, 'custom/kernel-2': 'k2', 'custom/ramdisk-2': 'r2', 'custom/kernel-1': 'k1' });
      assert.equal((await findKernel(tmp))?.vmlinuz, 'boot/vmlinuz-6.1.0-10-amd64');
      assert.deepEqual(await findKernel(tmp, 'custom/kernel-* s|kernel-\\([0-9]*\\)$|ramdisk-\\1|'), {
        vmlinuz: 'custom/kernel-2',
        initrd: 'custom/ramdisk-2',
        vmlinuzPath: path.join(tmp, 'custom/kernel-2'),
        initrdPath: path.join(tmp, 'custom/ramdisk-2'),
      });
      assert.equal((await findKernel(tmp, 'vmlinuz-* s|nomatch|x|'))?.vmlinuz, 'boot/vmlinuz-6.1.0-10-amd64');
      assert.equal((await findKernel(tmp, '  '))?.vmlinuz, 'boot/vmlinuz-6.1.0-10-amd64');
      await assert.rejects(findKernel(tmp, 'custom/kernel-* s|a|b|x'), /kernel_initrd/);
    });

    it('keeps symlinks that point outside inside the root', async () => {
      await build(tmp, { vmlinuz: { link: '/../../etc/passwd' }, 'initrd.img': { link: '../../../../etc/group' } });
      assert.equal(await findKernel(tmp), null, 'the host /etc/passwd and /etc/group must not be used');
      await build(tmp, { 'etc/passwd': 'fake kernel', 'etc/group': 'fake initrd' });
      const match = await findKernel(tmp);
      assert.equal(match?.vmlinuzPath, path.join(tmp, 'etc/passwd'));
      assert.equal(match?.initrdPath, path.join(tmp, 'etc/group'));
    });

    it('returns null on symlink loops and empty trees, and rejects a missing root', async () => {
      await build(tmp, { vmlinuz: { link: 'boot/vmlinuz' }, 'boot/vmlinuz': { link: '/vmlinuz' }, 'initrd.img': 'i' });
      assert.equal(await findKernel(tmp), null);
      await assert.rejects(findKernel(path.join(tmp, 'missing')), /ENOENT/);
    });
  });

  describe('installKernel and kernelInPlace', () => {
    let source: string;
    let tftp: string;
    const match = (): { vmlinuzPath: string; initrdPath: string } => ({
      vmlinuzPath: path.join(source, 'vmlinuz-1'),
      initrdPath: path.join(source, 'initrd.img-1'),
    });
    const mtime = new Date('2020-01-02T03:04:05.000Z');
    const atime = new Date('2021-06-07T08:09:10.000Z');
    /** Whether TFTP holds the pair the image now carries, as the next run's record of it says. */
    const kernelInstalled = async (): Promise<boolean> =>
      kernelInPlace(await recordKernel({ vmlinuz: 'vmlinuz-1', initrd: 'initrd.img-1', ...match() }), tftp, 'debian');

    beforeEach(async () => {
      source = path.join(tmp, 'image');
      tftp = path.join(tmp, 'srv', 'tftp');
      await build(source, { 'vmlinuz-1': 'kernel bytes', 'initrd.img-1': 'initrd bytes' });
      for (const file of Object.values(match())) {
        await chmod(file, 0o600);
        await utimes(file, atime, mtime);
      }
    });

    it('copies with mode 0644, kept timestamps and 0755 directories', async () => {
      const umask = process.umask(0o077);
      let result;
      try {
        result = await installKernel(match(), tftp, 'debian');
      } finally {
        process.umask(umask);
      }
      const dir = path.join(tftp, 'ltsp', 'debian');
      assert.deepEqual(result, {
        changed: true,
        vmlinuz: path.join(dir, 'vmlinuz'),
        initrd: path.join(dir, 'initrd.img'),
        newVmlinuz: true,
        vmlinuzChanged: true,
        initrdChanged: true,
      });
      for (const d of [path.join(tmp, 'srv'), tftp, path.join(tftp, 'ltsp'), dir]) {
        assert.equal((await stat(d)).mode & 0o7777, 0o755, d);
      }
      // Timestamps first: reading a file may update its atime.
      for (const file of [result.vmlinuz, result.initrd]) {
        const stats = await stat(file);
        assert.equal(stats.mode & 0o7777, 0o644);
        assert.equal(stats.mtime.getTime(), mtime.getTime());
        assert.equal(stats.atime.getTime(), atime.getTime());
      }
      assert.equal(await readFile(result.vmlinuz, 'utf8'), 'kernel bytes');
      assert.equal(await readFile(result.initrd, 'utf8'), 'initrd bytes');
      assert.deepEqual((await readdir(dir)).sort(), ['initrd.img', 'vmlinuz'], 'no temporary file is left');
    });

    it('is idempotent and replaces only what changed', async () => {
      const first = await installKernel(match(), tftp, 'debian');
      const inode = (await lstat(first.vmlinuz)).ino;
      const again = await installKernel(match(), tftp, 'debian');
      assert.equal(again.changed, false);
      assert.equal(again.newVmlinuz, false);
      assert.equal((await lstat(first.vmlinuz)).ino, inode, 'an identical file is not rewritten');

      await writeFile(match().initrdPath, 'initrd bytes, version 2');
      const update = await installKernel(match(), tftp, 'debian');
      assert.deepEqual([update.changed, update.vmlinuzChanged, update.initrdChanged], [true, false, true]);
      assert.equal(await readFile(update.initrd, 'utf8'), 'initrd bytes, version 2');
      assert.equal((await lstat(first.vmlinuz)).ino, inode);

      await chmod(first.vmlinuz, 0o600);
      const fixed = await installKernel(match(), tftp, 'debian');
      assert.deepEqual([fixed.changed, fixed.vmlinuzChanged, fixed.initrdChanged], [true, true, false]);
      assert.equal((await stat(first.vmlinuz)).mode & 0o7777, 0o644);
    });

    it('copies the real files behind a match found through symlinks', async () => {
      await build(source, { vmlinuz: { link: '/vmlinuz-1' }, 'initrd.img': { link: 'initrd.img-1' } });
      const found = await findKernel(source);
      assert.ok(found !== null);
      const result = await installKernel(found, tftp, 'image');
      assert.equal((await lstat(result.vmlinuz)).isFile(), true);
      assert.equal(await readFile(result.vmlinuz, 'utf8'), 'kernel bytes');
    });

    it('tells whether TFTP already holds the same kernel and initrd', async () => {
      assert.equal(await kernelInstalled(), false);
      await installKernel(match(), tftp, 'debian');
      assert.equal(await kernelInstalled(), true);
      await writeFile(match().vmlinuzPath, 'kernel BYTES');
      assert.equal(await kernelInstalled(), false, 'same size, different content');
      await installKernel(match(), tftp, 'debian');
      await rm(kernelDestinations(tftp, 'debian').initrd);
      assert.equal(await kernelInstalled(), false);
    });

    it('compares large files chunk by chunk', async () => {
      const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
      await writeFile(path.join(tmp, 'a'), big);
      await writeFile(path.join(tmp, 'b'), big);
      assert.equal(await sameContent(path.join(tmp, 'a'), path.join(tmp, 'b')), true);
      big[big.length - 1] = 8;
      await writeFile(path.join(tmp, 'b'), big);
      assert.equal(await sameContent(path.join(tmp, 'a'), path.join(tmp, 'b')), false);
      assert.equal(await sameContent(path.join(tmp, 'a'), path.join(tmp, 'missing')), false);
    });

    it('rejects image names that are not one path component', async () => {
      for (const name of ['', '.', '..', 'a/b', '../x']) {
        await assert.rejects(installKernel(match(), tftp, name), /invalid image name/, name);
      }
    });
  });
});
