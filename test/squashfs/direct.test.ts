// Reading the source directly is only right when every change cleanup made can be said as an exclude line or a pseudo file; anything else must keep the overlay.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { compileExcludes } from '../../src/match/exclude-matcher.js';
import { planDirectRead, squashRun } from '../../src/squashfs/direct.js';
import { requireRoot } from '../helpers/root.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('planDirectRead', function () {
  let scratch: string;
  let source: string;
  let upper: string;
  /** As stabilizeTimes leaves them after cleanup: the upper dir's directories with their source's times. */
  const plan = (excludes: string[] = []) => {
    for (const dir of ['etc/ssh', 'etc']) {
      if (fs.existsSync(path.join(upper, dir))) fs.utimesSync(path.join(upper, dir), 1_600_000_000, 1_600_000_000);
    }
    return planDirectRead({ source, upper, matcher: compileExcludes(excludes) });
  };

  beforeEach(async function () {
    requireRoot(this);
    scratch = await scratchDir('direct-');
    source = path.join(scratch, 'source');
    upper = path.join(scratch, 'upper');
    for (const dir of [source, upper]) fs.mkdirSync(path.join(dir, 'etc/ssh'), { recursive: true });
    fs.writeFileSync(path.join(source, 'etc/shadow'), 'root:secret:1\n');
    fs.writeFileSync(path.join(source, 'etc/ssh/ssh_host_rsa_key'), 'key\n');
    fs.utimesSync(path.join(source, 'etc/ssh'), 1_600_000_000, 1_600_000_000);
    fs.utimesSync(path.join(source, 'etc'), 1_600_000_000, 1_600_000_000);
    fs.utimesSync(source, 1_600_000_100, 1_600_000_100);
  });
  afterEach(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('excludes rewritten and removed files and gives back the rewritten ones, with their times, modes and owners', async () => {
    fs.writeFileSync(path.join(upper, 'etc/shadow'), 'root:*:1\n', { mode: 0o640 });
    fs.chownSync(path.join(upper, 'etc/shadow'), 0, 42);
    fs.utimesSync(path.join(upper, 'etc/shadow'), 1_500_000_000, 1_500_000_000);
    await execa('mknod', [path.join(upper, 'etc/ssh/ssh_host_rsa_key'), 'c', '0', '0']);
    fs.symlinkSync('../run/resolv.conf', path.join(upper, 'etc/resolv.conf'));
    fs.lutimesSync(path.join(upper, 'etc/resolv.conf'), 1_400_000_000, 1_400_000_000);
    const result = plan();
    assert.ok(result);
    assert.deepEqual(result.excludes.sort(), ['etc/shadow', 'etc/ssh/ssh_host_rsa_key']);
    assert.deepEqual(result.pseudo.sort(), [
      'etc/resolv.conf S 1400000000 777 0 0 ../run/resolv.conf',
      `etc/shadow F 1500000000 640 0 42 cat '${path.join(upper, 'etc/shadow')}'`,
    ]);
    assert.deepEqual(result.rootOptions, ['-root-mode', '755', '-root-uid', '0', '-root-gid', '0', '-root-time', '1600000100']);
  });

  it('leaves out what the excludes drop anyway', () => {
    fs.writeFileSync(path.join(upper, 'etc/ssh/ssh_host_rsa_key'), 'new\n');
    const result = plan(['etc/ssh/ssh_host_*']);
    assert.deepEqual(result, { excludes: [], pseudo: [], rootOptions: result?.rootOptions });
  });

  it('keeps the overlay when mksquashfs_params force owners, times or modes on every entry', async () => {
    const command = { prefix: [], root: '/overlay', output: '/out.img', excludesFile: '/excludes', mkfsTime: 1, params: ['-all-root'] };
    const job = { workDir: scratch, sources: [{ spec: source, path: source, kind: 'directory' as const, options: [] }], overlay: true };
    for (const param of ['-all-root', '-force-uid', '-all-time', '-root-mode']) {
      assert.deepEqual(await squashRun(job, { ...command, params: [param, '0'] }), { command: { ...command, params: [param, '0'] }, extra: [] });
    }
  });

  it('keeps the overlay for a source given through a symlink (whose time the overlay root may take)', () => {
    fs.symlinkSync(source, path.join(scratch, 'link'));
    assert.ok(plan());
    assert.equal(planDirectRead({ source: path.join(scratch, 'link'), upper, matcher: compileExcludes([]) }), null);
  });

  it('keeps the overlay for a new directory, a changed directory, a hard link, an odd name or target, or an xattr', async () => {
    const cases: Array<[string, () => Promise<void> | void]> = [
      ['new directory', () => fs.mkdirSync(path.join(upper, 'etc/new'))],
      ['changed directory', () => fs.chmodSync(path.join(upper, 'etc/ssh'), 0o700)],
      ['hard link', () => {
        fs.writeFileSync(path.join(upper, 'etc/a'), '');
        fs.linkSync(path.join(upper, 'etc/a'), path.join(upper, 'etc/b'));
      }],
      ['name with a space', () => fs.writeFileSync(path.join(upper, 'etc/a b'), '')],
      ['name with a quote', () => fs.writeFileSync(path.join(upper, "etc/a'b"), '')],
      ['odd symlink target', () => fs.symlinkSync('a b', path.join(upper, 'etc/link'))],
      ['FIFO', () => execa('mkfifo', [path.join(upper, 'etc/fifo')]).then(() => undefined)],
      ['xattr on a rewritten file', async () => {
        fs.writeFileSync(path.join(upper, 'etc/shadow'), '');
        await execa('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.test", b"1")', path.join(upper, 'etc/shadow')]);
      }],
      ['xattr on the source root', () => execa('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.test", b"1")', source]).then(() => undefined)],
      ['opaque directory', () => execa('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")', path.join(upper, 'etc/ssh')]).then(() => undefined)],
    ];
    for (const [label, make] of cases) {
      fs.rmSync(upper, { recursive: true });
      fs.mkdirSync(path.join(upper, 'etc/ssh'), { recursive: true });
      await execa('python3', ['-c', 'import os,sys\ntry: os.removexattr(sys.argv[1], "trusted.test")\nexcept OSError: pass', source]);
      assert.ok(plan(), `${label}: the clean upper dir reads directly`);
      await make();
      assert.equal(plan(), null, label);
    }
  });
});
