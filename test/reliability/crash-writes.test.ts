// A SIGKILL at every rename and write of a revert and of a publish (#13 item 2): the next run repairs everything and no build record is lost.
import assert from 'node:assert/strict';
import { assertConsistentStore } from '../helpers/image-store.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

/** Runs a module that SIGKILLs itself at its Nth rename or write; resolves whether it was killed. */
async function killedAt(module: string, args: Record<string, unknown>, step: number): Promise<boolean> {
  const run = await runModule(module, args, { env: { LTSP_IMAGE_CRASH_AT: String(step) } }).catch((error: Error) => ({ error }));
  if ('error' in run) {
    assert.match(run.error.message, /stdout is not one JSON object/, 'a killed run prints nothing');
    return true;
  }
  assert.equal(run.code, 0, run.stdout);
  return false;
}

describe('SIGKILL at every rename and write of a revert and a publish (#13 item 2)', function () {
  const box = useSandbox('crash-writes-', 'chroot');
  let injected = 0;
  let survived = 0;
  const args = (extra: Record<string, unknown> = {}) => ({ name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });
  const touch = (what: string) => box.change('etc/crash-marker', `${what}\n`);

  before(async function () {
    await touch('first');
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    await touch('second');
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    assert.deepEqual([...assertConsistentStore(box.images, 'fixture')], [['fixture.img', 2], ['fixture.img.old', 1]]);
  });
  after(async function () {
    process.stdout.write(`      crash writes: ${injected} kills injected, ${survived} repaired\n`);
  });

  it('revert: every kill is completed by the next revert, which reports both generations, and ltsp_image holds', async () => {
    let step = 1;
    for (; await killedAt('ltsp_image_revert', args(), step); step++) {
      injected++;
      const next = await runModule('ltsp_image_revert', args());
      assert.equal(next.code, 0, next.stdout);
      assert.deepEqual([next.result.active_generation, next.result.previous_generation], [1, 2], `after a kill at step ${step}: ${next.stdout}`);
      assert.deepEqual([...assertConsistentStore(box.images, 'fixture')], [['fixture.img', 1], ['fixture.img.old', 2]], `after a kill at step ${step}`);
      const held = await runModule('ltsp_image', args({ check_mode: true }));
      assert.equal(held.result.reason, 'held', `after a kill at step ${step}: ${held.stdout}`);
      const back = await runModule('ltsp_image_revert', args({ force: true }));
      assert.deepEqual([back.result.active_generation, back.result.previous_generation], [2, 1], back.stdout);
      assertConsistentStore(box.images, 'fixture');
      survived++;
    }
    assert.ok(step > 6, `a revert has more than 5 renames and writes, the run finished at step ${step}`);
  });

  it('publish with kept generations: every kill is repaired by the next run, and the one after is up_to_date', async () => {
    let step = 1;
    for (; ; step++) {
      await touch(`publish ${step}`);
      if (!(await killedAt('ltsp_image', args({ keep: 3 }), step))) break;
      injected++;
      const next = await runModule('ltsp_image', args({ keep: 3 }));
      assert.equal(next.code, 0, next.stdout);
      const generations = assertConsistentStore(box.images, 'fixture');
      assert.equal(Math.max(...[...generations.values()].map(Number)), generations.get('fixture.img'), `after a kill at step ${step}: the newest generation is active`);
      const again = await runModule('ltsp_image', args({ keep: 3 }));
      assert.equal(again.result.reason, 'up_to_date', `after a kill at step ${step}: ${again.stdout}`);
      survived++;
    }
    assert.ok(step > 8, `a publish keeping generations has more than 7 renames and writes, the run finished at step ${step}`);
    assertConsistentStore(box.images, 'fixture');
  });
});
