// Pruning never deletes an image a client may still run: one displaced within prune_grace, one a loop device backs, one a process holds open.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/settle.js';
import { hasOpen } from '../helpers/proc.js';

interface GenerationInfo {
  path: string;
  kept_because: string | null;
  displaced_at: string | null;
}

describe('pruning keeps what a client may still run', function () {
  const box = useSandbox('prune-use-', 'dir');
  let version = 0;
  const build = async (args: Record<string, unknown> = {}) => {
    await box.change('etc/version', `${++version}\n`);
    const r = await runModule('ltsp_image', { name: box.source, image_name: 'gen', base_dir: box.base, tftp_dir: box.tftp, kernel: false, ...args });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.result.changed, true, r.stdout);
    return r;
  };
  const info = async () => {
    const r = await runModule('ltsp_image_info', { name: 'gen', base_dir: box.base, tftp_dir: box.tftp, drift: false });
    assert.equal(r.code, 0, r.stdout);
    const image = (r.result.images as { generations: GenerationInfo[] }[])[0]!;
    return { msg: String(r.result.msg), generations: image.generations };
  };
  const file = (name: string) => path.join(box.images, name);
  const listing = () => fs.readdirSync(box.images).filter((n) => /^gen\.img(\.old|\.\d+)?$/.test(n)).sort();
  const generationOf = (name: string) => (JSON.parse(fs.readFileSync(`${file(name)}.json`, 'utf8')) as { generation: number }).generation;
  /** Records that `name` was displaced `hours` ago, as a publish that long ago would have. */
  const displacedHoursAgo = (name: string, hours: number) => {
    const state = JSON.parse(fs.readFileSync(`${file(name)}.json`, 'utf8')) as Record<string, unknown>;
    state.displacedAt = new Date(Date.now() - hours * 3600 * 1000).toISOString();
    fs.writeFileSync(`${file(name)}.json`, JSON.stringify(state));
  };

  it('keeps the displaced backup as NAME.img.GENERATION within the grace, and says why', async () => {
    await build();
    await build();
    const r = await build();
    assert.deepEqual(listing(), ['gen.img', 'gen.img.1', 'gen.img.old']);
    assert.deepEqual(r.result.pruned, []);
    const kept = r.result.kept as { path: string; why: string }[];
    assert.deepEqual(kept.map((k) => k.path), [file('gen.img.1')]);
    assert.match(kept[0]!.why, /^displaced \d{4}-\d\d-\d\d \d\d:\d\d UTC, under the 12 h prune_grace$/);
    assert.match(String(r.result.msg), /; kept gen\.img\.1 \(displaced .* UTC, under the 12 h prune_grace\)/);
    const shown = await info();
    const one = shown.generations.find((g) => g.path === file('gen.img.1'))!;
    assert.match(String(one.kept_because), /under the 12 h prune_grace/);
    assert.equal(shown.generations.find((g) => g.path === file('gen.img'))!.displaced_at, null);
    assert.match(shown.msg, /keeps gen\.img\.1 \(displaced/);
  });

  it('past the grace, keeps a generation a loop device is backed by, and prunes it once detached', async () => {
    displacedHoursAgo('gen.img.1', 13);
    displacedHoursAgo('gen.img.old', 13);
    const loop = (await execa('losetup', ['--find', '--show', '--read-only', file('gen.img.1')])).stdout.trim();
    try {
      const r = await build();
      assert.deepEqual(r.result.pruned, [file('gen.img.2')], r.stdout);
      assert.deepEqual(r.result.kept, [{ path: file('gen.img.1'), why: `backs ${loop}` }]);
      assert.match(String(r.result.msg), new RegExp(`; kept gen\\.img\\.1 \\(backs ${loop}\\)`));
      assert.equal((await info()).generations.find((g) => g.path === file('gen.img.1'))!.kept_because, `backs ${loop}`);
    } finally {
      await execa('losetup', ['--detach', loop]);
    }
    displacedHoursAgo('gen.img.old', 13);
    const r = await build({ prune_grace: 12 });
    assert.deepEqual(r.result.pruned, [file('gen.img.3'), file('gen.img.1')]);
    assert.deepEqual(listing(), ['gen.img', 'gen.img.old']);
  });

  it('past the grace, keeps a generation a process holds open, and prunes it once the process ended', async () => {
    displacedHoursAgo('gen.img.old', 13);
    const old = generationOf('gen.img.old');
    const fd = fs.openSync(file('gen.img.old'), 'r');
    let reader: ChildProcess;
    try {
      reader = spawn('sleep', ['600'], { stdio: [fd, 'ignore', 'ignore'] });
    } finally {
      fs.closeSync(fd);
    }
    const pid = reader.pid!;
    const ended = new Promise((resolve) => reader.once('exit', resolve));
    try {
      await waitFor(() => hasOpen(pid, file('gen.img.old')), 'the reader to hold the backup open');
      const r = await build({ prune_grace: 12 });
      const numbered = file(`gen.img.${old}`);
      assert.deepEqual(r.result.pruned, [], r.stdout);
      assert.deepEqual(r.result.kept, [{ path: numbered, why: `open by sleep (pid ${pid})` }]);
      assert.equal((await info()).generations.find((g) => g.path === numbered)!.kept_because, `open by sleep (pid ${pid})`);
    } finally {
      process.kill(pid, 'SIGTERM');
      await ended;
    }
    displacedHoursAgo('gen.img.old', 13);
    const r = await build();
    assert.deepEqual(r.result.pruned, [file(`gen.img.${old + 1}`), file(`gen.img.${old}`)]);
    assert.deepEqual(listing(), ['gen.img', 'gen.img.old']);
  });

  it('backup: false keeps the replaced image as NAME.img.GENERATION within the grace, and prunes it after', async () => {
    const active = generationOf('gen.img');
    const r = await build({ backup: false });
    assert.deepEqual((r.result.kept as { path: string }[]).map((k) => k.path), [file(`gen.img.${active}`)], r.stdout);
    displacedHoursAgo(`gen.img.${active}`, 13);
    const again = await build({ backup: false });
    assert.deepEqual(again.result.pruned, [file(`gen.img.${active}`)], again.stdout);
    assert.deepEqual((again.result.kept as { path: string }[]).map((k) => k.path), [file(`gen.img.${active + 1}`)]);
  });

  it('a revert records when the image it replaced stopped being NAME.img', async () => {
    await build();
    const before = Date.now();
    const r = await runModule('ltsp_image_revert', { name: 'gen', base_dir: box.base, tftp_dir: box.tftp, kernel: false });
    assert.equal(r.result.changed, true, r.stdout);
    const state = JSON.parse(fs.readFileSync(`${file('gen.img.old')}.json`, 'utf8')) as { displacedAt?: string };
    assert.ok(state.displacedAt && Date.parse(state.displacedAt) >= before - 1000, JSON.stringify(state.displacedAt));
    const active = JSON.parse(fs.readFileSync(`${file('gen.img')}.json`, 'utf8')) as { displacedAt?: string };
    assert.equal(active.displacedAt, undefined);
  });
});
