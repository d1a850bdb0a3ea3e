// ltsp_image_info lists images read-only, with their generations, kernel state and drift.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { treeDigest } from '../helpers/image.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { runTraced, walksIn } from '../helpers/strace.js';
import { settle } from '../helpers/settle.js';


interface Info {
  name: string;
  generation: number;
  drifted: boolean | null;
  kernel_installed: boolean;
  generations: { generation: number; active: boolean }[];
  drift?: { added: number; removed: number; modified: number; added_paths: string[]; removed_paths: string[]; modified_paths: string[] };
}

describe('ltsp_image_info', function () {
  const box = useSandbox('info-', 'none');
  const info = async (extra: Record<string, unknown> = {}) => {
    const r = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, ...extra });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.result.changed, false);
    return r.result as unknown as { images: Info[]; drifted: string[]; msg: string };
  };

  before(async function () {
    for (const name of ['alpha', 'beta']) {
      fs.mkdirSync(path.join(box.scratch, name, 'etc'), { recursive: true });
      fs.mkdirSync(path.join(box.scratch, name, 'boot'), { recursive: true });
      fs.writeFileSync(path.join(box.scratch, name, 'etc/hostname'), `${name}\n`);
      fs.writeFileSync(path.join(box.scratch, name, 'boot/vmlinuz-6.1.0-1-amd64'), `kernel ${name}\n`);
      fs.writeFileSync(path.join(box.scratch, name, 'boot/initrd.img-6.1.0-1-amd64'), `initrd ${name}\n`);
    }
    await settle();
    for (const name of ['alpha', 'beta']) {
      const r = await runModule('ltsp_image', { name: path.join(box.scratch, name), base_dir: box.base, tftp_dir: box.tftp });
      assert.equal(r.code, 0, r.stdout);
    }
  });

  it('lists every image, none drifted, and changes nothing on disk', async () => {
    const digest = await treeDigest(box.scratch);
    const result = await info();
    assert.deepEqual(result.images.map((i) => [i.name, i.generation, i.drifted, i.kernel_installed]), [
      ['alpha', 1, false, true],
      ['beta', 1, false, true],
    ]);
    assert.deepEqual(result.drifted, []);
    assert.equal(await treeDigest(box.scratch), digest);
  });

  it('answers an unchanged source from the walk record without a walk, and walks once (with its manifest) for a change', async () => {
    const traced = () => runTraced('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp, name: 'alpha' }, box.scratch, 'execve');
    const still = await traced();
    assert.equal(still.code, 0, still.stdout);
    assert.equal((still.result.images as Info[])[0]!.drifted, false);
    assert.equal(walksIn(still.calls), 0, 'the drift check of an unchanged source walked it');
    const record = path.join(box.base, 'images/.alpha.walk');
    const before = fs.readFileSync(record);
    fs.writeFileSync(path.join(box.scratch, 'alpha/etc/motd'), 'new\n');
    await settle();
    const moved = await traced();
    const alpha = (moved.result.images as Info[])[0]!;
    assert.equal(alpha.drifted, true);
    assert.deepEqual(alpha.drift, { added: 1, removed: 0, modified: 0, added_paths: ['etc/motd'], removed_paths: [], modified_paths: [] });
    assert.equal(walksIn(moved.calls), 1);
    assert.deepEqual(fs.readFileSync(record), before, 'ltsp_image_info wrote the walk record');
    fs.rmSync(path.join(box.scratch, 'alpha/etc/motd'));
    await settle();
  });

  it('tells which source drifted and what, and reports generations and a missing kernel', async () => {
    fs.writeFileSync(path.join(box.scratch, 'beta/etc/hostname'), 'beta2\n');
    await settle();
    assert.equal((await runModule('ltsp_image', { name: path.join(box.scratch, 'alpha'), base_dir: box.base, tftp_dir: box.tftp, force: true })).code, 0);
    fs.rmSync(path.join(box.tftp, 'ltsp/alpha/initrd.img'));
    const result = await info();
    const [alpha, beta] = result.images;
    assert.deepEqual(result.drifted, ['beta']);
    assert.deepEqual(beta!.drift?.modified_paths, ['etc/hostname']);
    assert.equal(alpha!.generation, 2);
    assert.deepEqual(alpha!.generations.map((g) => [g.generation, g.active]), [[2, true], [1, false]]);
    assert.equal(alpha!.kernel_installed, false);
  });

  it('skips the walk with drift: false, lists one image by name, and fails clearly for an unknown one', async () => {
    const one = await info({ name: 'beta', drift: false });
    assert.deepEqual(one.images.map((i) => [i.name, i.drifted]), [['beta', null]]);
    const missing = await runModule('ltsp_image_info', { base_dir: box.base, name: 'gamma' });
    assert.equal(missing.code, 1);
    assert.match(String(missing.result.msg), /No image named gamma/);
  });

  it('supports check mode', async () => {
    const result = await info({ _ansible_check_mode: true, drift: false });
    assert.equal(result.images.length, 2);
  });
});
