// The package changelog and growth on real Debian trees changed by dpkg (locally built .debs) and by apt-get from Debian's mirror.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { debianTree } from '../helpers/debootstrap.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';
import { removeScratch } from '../helpers/tmp.js';

interface Change {
  name: string;
  from: string;
  to: string;
}
interface Result {
  msg: string;
  generation: number;
  changed: boolean;
  packages?: { added: string[]; removed: string[]; upgraded: Change[]; downgraded: Change[] };
  packages_summary?: string;
  growth?: { size: number; previous: number | null; delta: number | null; percent: number | null; contributors: { name: string; delta: number }[] };
  diff?: { before: string; after: string };
  warnings?: string[];
}

/** Fast compression: these tests are about what the build records, not about the squashfs. */
const FAST = ['-comp', 'gzip', '-Xcompression-level', '1'];

describe('package changelog and growth', function () {
  const box = useSandbox('packages-', 'none');
  const trees: string[] = [];

  after(async () => {
    for (const tree of trees) await removeScratch(tree);
  });

  const args = (tree: string, name: string) => ({ name: tree, image_name: name, base_dir: box.base, tftp_dir: box.tftp, kernel: false, mksquashfs_params: FAST, growth_warning: 5 });
  async function build(tree: string, name: string, extra: Record<string, unknown> = {}): Promise<Result> {
    await settle();
    const run = await runModule('ltsp_image', { ...args(tree, name), ...extra });
    assert.equal(run.code, 0, run.stdout);
    return run.result as unknown as Result;
  }
  const chroot = (tree: string, ...argv: string[]) => execa('chroot', [tree, ...argv], { env: { DEBIAN_FRONTEND: 'noninteractive', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });

  /** A package lt-pkgtest of this version holding `bytes` random (incompressible) bytes in /opt. */
  async function deb(version: string, bytes: number): Promise<string> {
    const dir = path.join(box.scratch, `deb-${version.replace(/\W/g, '_')}`);
    fs.mkdirSync(path.join(dir, 'DEBIAN'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'opt/lt-pkgtest'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'opt/lt-pkgtest/blob'), crypto.randomBytes(bytes));
    const control = [`Package: lt-pkgtest`, `Version: ${version}`, 'Architecture: all', 'Maintainer: Test <test@example.org>', `Installed-Size: ${Math.ceil(bytes / 1024)}`, 'Description: test package', ''];
    fs.writeFileSync(path.join(dir, 'DEBIAN/control'), control.join('\n'));
    const file = `${dir}.deb`;
    await execa('dpkg-deb', ['--root-owner-group', '--build', dir, file]);
    return file;
  }
  async function install(tree: string, file: string): Promise<void> {
    fs.copyFileSync(file, path.join(tree, 'tmp/lt-pkgtest.deb'));
    await chroot(tree, 'dpkg', '-i', '/tmp/lt-pkgtest.deb');
    fs.rmSync(path.join(tree, 'tmp/lt-pkgtest.deb'));
  }

  it('says what dpkg added, upgraded (epochs and ~ ordered as dpkg does) and downgraded, in check mode too, and why the image grew', async function () {
    this.timeout(20 * 60_000);
    const tree = await debianTree();
    trees.push(tree);
    const [rc, release] = [await deb('1.0~rc1-1', 1 << 20), await deb('1.0-1', 12 << 20)];
    const first = await build(tree, 'dpkg');
    assert.match(first.packages_summary!, /^\d+ packages$/);
    assert.equal(first.growth!.previous, null);

    await install(tree, rc);
    const check = (await runModule('ltsp_image', { ...args(tree, 'dpkg'), _ansible_check_mode: true, _ansible_diff: true })).result as unknown as Result;
    assert.equal(check.changed, true);
    assert.deepEqual(check.packages, { added: ['lt-pkgtest'], removed: [], upgraded: [], downgraded: [] });
    assert.match(check.msg, /^Would build .*: source changed; 1 added \(lt-pkgtest\); paths \(\d+ added/);
    assert.match(check.diff!.after, /^package lt-pkgtest\n/);

    const added = await build(tree, 'dpkg');
    assert.equal(added.generation, 2, 'check mode published nothing');
    assert.deepEqual(added.packages, { added: ['lt-pkgtest'], removed: [], upgraded: [], downgraded: [] });
    assert.match(added.msg, /: source changed; 1 added \(lt-pkgtest\); paths \(/);

    await install(tree, release);
    const upgraded = await build(tree, 'dpkg');
    assert.deepEqual(upgraded.packages!.upgraded, [{ name: 'lt-pkgtest', from: '1.0~rc1-1', to: '1.0-1' }]);
    assert.equal(upgraded.packages_summary, '1 upgraded (lt-pkgtest 1.0~rc1-1 -> 1.0-1)');
    const growth = upgraded.growth!;
    assert.ok(growth.delta! > 10 << 20 && growth.percent! > 5, JSON.stringify(growth));
    assert.deepEqual(growth.contributors.map((c) => c.name).filter((n) => ['opt/', 'lt-pkgtest'].includes(n)), ['opt/', 'lt-pkgtest']);
    assert.equal(growth.contributors.find((c) => c.name === 'lt-pkgtest')!.delta, (12 * 1024 - 1024) * 1024);
    assert.ok(upgraded.warnings?.some((w) => /^dpkg grew by [\d.]+ % \(\+[\d.]+ MB, .*\): opt\/ \+[\d.]+ MB.*lt-pkgtest \+11\.5 MB.*above growth_warning 5 %$/.test(w)), String(upgraded.warnings));

    await install(tree, rc);
    const downgraded = await build(tree, 'dpkg');
    assert.deepEqual(downgraded.packages!.downgraded, [{ name: 'lt-pkgtest', from: '1.0-1', to: '1.0~rc1-1' }]);
    assert.ok(downgraded.growth!.delta! < 0 && !downgraded.warnings?.some((w) => /grew/.test(w)));

    const info = await runModule('ltsp_image_info', { name: 'dpkg', base_dir: box.base, tftp_dir: box.tftp });
    const history = (info.result.images as { history: { generation: number; packages: string | null; size: number; size_delta: number | null }[] }[])[0]!.history;
    assert.deepEqual(history.map((h) => [h.generation, h.packages]), [
      [4, '1 downgraded (lt-pkgtest 1.0-1 -> 1.0~rc1-1)'],
      [3, '1 upgraded (lt-pkgtest 1.0~rc1-1 -> 1.0-1)'],
      [2, '1 added (lt-pkgtest)'],
      [1, null],
    ]);
    const status = (info.result.images as { status: string }[])[0]!.status;
    assert.match(status, /^dpkg: generation 4, built \S+ \S+ \(source_changed; 1 downgraded \(lt-pkgtest 1\.0-1 -> 1\.0~rc1-1\)\), /);
    assert.equal(history[1]!.size_delta, growth.delta);
  });

  it('follows real apt-get: an upgrade from Debian security, an install and a removal, each as dpkg-query saw it', async function () {
    this.timeout(20 * 60_000);
    const tree = await debianTree();
    trees.push(tree);
    const versions = async () => new Map((await chroot(tree, 'dpkg-query', '-W', '-f', '${Package} ${Version}\n')).stdout.split('\n').map((l) => l.split(' ') as [string, string]));
    await build(tree, 'apt');
    fs.copyFileSync('/etc/resolv.conf', path.join(tree, 'etc/resolv.conf'));
    fs.writeFileSync(path.join(tree, 'etc/apt/sources.list.d/security.list'), 'deb http://security.debian.org/debian-security bookworm-security main\n');
    const before = await versions();
    await chroot(tree, 'apt-get', 'update');
    await chroot(tree, 'apt-get', 'upgrade', '-y');
    await chroot(tree, 'apt-get', 'install', '-y', '--no-install-recommends', 'hello');
    const after = await versions();
    const expected = [...after].filter(([name, version]) => before.has(name) && before.get(name) !== version).map(([name, to]) => ({ name, from: before.get(name)!, to }));
    const changed = await build(tree, 'apt');
    assert.ok(expected.length > 0, 'Debian security has no update for this tree: the upgrade part proves nothing');
    assert.deepEqual(changed.packages!.upgraded, expected);
    assert.deepEqual(changed.packages!.added, ['hello']);
    assert.match(changed.msg, new RegExp(`: source changed; ${expected.length} upgraded \\(${expected[0]!.name} `));

    await chroot(tree, 'apt-get', 'remove', '-y', 'hello');
    const removed = await build(tree, 'apt');
    assert.deepEqual(removed.packages, { added: [], removed: ['hello'], upgraded: [], downgraded: [] });
    assert.ok(removed.growth!.contributors.some((c) => c.name === 'hello' && c.delta < 0), JSON.stringify(removed.growth));
  });

  it('says a tree without dpkg has no package list and falls back to paths', async () => {
    const tree = path.join(box.scratch, 'plain');
    fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'etc/hostname'), 'plain\n');
    await build(tree, 'plain');
    fs.writeFileSync(path.join(tree, 'etc/motd'), 'hello\n');
    const run = await build(tree, 'plain');
    assert.equal(run.packages, undefined);
    assert.equal(run.packages_summary, 'packages unknown: no var/lib/dpkg/status in the image: not a Debian tree');
    assert.match(run.msg, /: source changed; packages unknown: .*not a Debian tree; paths \(1 added, 0 removed, 0 modified\)/);
  });
});
