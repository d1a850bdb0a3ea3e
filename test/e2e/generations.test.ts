// Generations: keep N box.images, walk back with steps, and never pull an image from under a client that has it open.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';


describe('image generations', function () {
  const box = useSandbox('gen-', 'dir');
  // prune_grace: 0: these tests are about keep counts; test/e2e/prune-in-use.test.ts covers the grace and images in use.
  const build = (args: Record<string, unknown> = {}) => runModule('ltsp_image', { name: box.source, image_name: 'gen', base_dir: box.base, tftp_dir: box.tftp, kernel: false, prune_grace: 0, ...args });
  const revert = (args: Record<string, unknown> = {}) => runModule('ltsp_image_revert', { name: 'gen', base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...args });
  const listing = () => fs.readdirSync(box.images).filter((n) => /^gen\.img(\.old|\.\d+)?$/.test(n)).sort();
  const generationOf = (file: string) => (JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { generation: number }).generation;
  const change = (n: number) => box.change('etc/version', `${n}\n`);

  it('keep: 3 keeps NAME.img, NAME.img.old and two numbered generations, pruning the rest', async () => {
    for (let n = 1; n <= 5; n++) {
      await change(n);
      const r = await build({ keep: 3 });
      assert.equal(r.result.generation, n, r.stdout);
    }
    assert.deepEqual(listing(), ['gen.img', 'gen.img.2', 'gen.img.3', 'gen.img.old']);
    assert.equal(generationOf(path.join(box.images, 'gen.img')), 5);
    assert.equal(generationOf(path.join(box.images, 'gen.img.old')), 4);
    assert.equal(generationOf(path.join(box.images, 'gen.img.3')), 3);
  });

  it('revert steps: 2 activates the generation two before the newest, idempotently', async () => {
    const r = await revert({ steps: 2 });
    assert.equal(r.result.changed, true, r.stdout);
    assert.equal(r.result.active_generation, 3);
    assert.equal(r.result.previous_generation, 5);
    assert.equal(generationOf(path.join(box.images, 'gen.img')), 3);
    assert.equal(generationOf(path.join(box.images, 'gen.img.old')), 5);
    const again = await revert({ steps: 2 });
    assert.equal(again.result.changed, false);
    assert.equal(again.result.reason, 'already_reverted');
    const back = await revert({ steps: 1 });
    assert.equal(back.result.changed, true);
    assert.equal(generationOf(path.join(box.images, 'gen.img')), 4);
    const tooFar = await revert({ steps: 9 });
    assert.equal(tooFar.code, 1);
    assert.match(String(tooFar.result.msg), /Cannot revert 9 steps, only 3 previous image\(s\) are kept/);
  });

  it('force toggles, like the reference tool', async () => {
    const before = generationOf(path.join(box.images, 'gen.img'));
    const forced = await revert({ steps: 1, force: true });
    assert.equal(forced.result.reason, 'forced');
    assert.notEqual(generationOf(path.join(box.images, 'gen.img')), before);
  });

  it('keep_days prunes old numbered generations but never NAME.img or NAME.img.old', async () => {
    const old = new Date(Date.now() - 10 * 86400 * 1000);
    for (const name of listing()) {
      const file = path.join(box.images, name);
      const state = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { builtAt: string };
      state.builtAt = old.toISOString();
      fs.writeFileSync(`${file}.json`, JSON.stringify(state));
    }
    await change(6);
    const r = await build({ keep: 3, keep_days: 5 });
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(listing(), ['gen.img', 'gen.img.old']);
    // The two numbered generations, and the former backup that this build moved to a numbered name.
    assert.equal((r.result.pruned as string[]).length, 3);
  });

  it('reports a missing backup as the reference does, and a missing image as missing', async () => {
    fs.mkdirSync(box.images, { recursive: true });
    fs.writeFileSync(path.join(box.images, 'lonely.img'), 'an image without a backup');
    const r = await runModule('ltsp_image_revert', { name: 'lonely', base_dir: box.base, tftp_dir: box.tftp });
    fs.rmSync(path.join(box.images, 'lonely.img'));
    assert.equal(r.code, 1);
    assert.equal(r.result.msg, `Cannot revert, backup is missing: ${path.join(box.images, 'lonely.img.old')}`);
    const none = await runModule('ltsp_image_revert', { name: 'nothing', base_dir: box.base, tftp_dir: box.tftp });
    assert.match(String(none.result.msg), /^Cannot revert: there is no image nothing in /);
  });

  it('a client reading the active image keeps reading the same bytes through two rebuilds', async () => {
    const active = path.join(box.images, 'gen.img');
    const original = fs.readFileSync(active);
    const fd = fs.openSync(active, 'r');
    try {
      const chunks: Buffer[] = [];
      let offset = 0;
      const read = (n: number) => {
        const buf = Buffer.alloc(n);
        const got = fs.readSync(fd, buf, 0, n, offset);
        offset += got;
        chunks.push(buf.subarray(0, got));
      };
      read(1000);
      await change(7);
      assert.equal((await build()).result.changed, true);
      read(1000);
      await change(8);
      assert.equal((await build()).result.changed, true);
      while (offset < original.length) read(4096);
      assert.deepEqual(Buffer.concat(chunks), original);
    } finally {
      fs.closeSync(fd);
    }
  });
});
