// Messages an admin reads when something is wrong, and metrics that must agree with what the run did (issue 12).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { assertFailed, bundleDir, runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';

function metric(file: string, name: string): number | undefined {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`ltsp_image_${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('messages and metrics', function () {
  const box = useSandbox('messages-', 'dir');
  let metrics: string;
  const common = () => ({ base_dir: box.base, tftp_dir: box.tftp });

  before(async function () {
    metrics = path.join(box.scratch, 'ltsp_image_src.prom');
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'messages\n');
    fs.mkdirSync(box.images, { recursive: true });
    await settle();
  });

  it('ltsp_image_revert of an image that does not exist says so, not that its backup is missing', async () => {
    const run = await runModule('ltsp_image_revert', { ...common(), name: 'nosuch' });
    assertFailed(run, /^Cannot revert: there is no image nosuch in .*\/images; check the name/);
  });

  it('ltsp_image_info with a base dir that does not exist fails instead of listing 0 images', async () => {
    const typo = path.join(box.scratch, 'typo');
    const run = await runModule('ltsp_image_info', { base_dir: typo });
    assertFailed(run, /^Option base_dir: .*\/typo does not exist/);
    const cli = await execa(path.join(bundleDir, 'ltsp_image_info'), ['--base-dir', typo], { reject: false, stdin: 'ignore' });
    assert.equal(cli.exitCode, 1);
    assert.doesNotMatch(cli.stdout, /0 images/);
  });

  it('a failed resolve is not reported as done', async () => {
    const cli = await execa(path.join(bundleDir, 'ltsp_image'), ['--base-dir', box.base, 'no-such-chroot'], { reject: false, stdin: 'ignore', all: true });
    assert.equal(cli.exitCode, 1);
    assert.match(cli.all ?? '', /Image does not exist: no-such-chroot/);
    assert.doesNotMatch(cli.all ?? '', /resolve done/);
  });

  it('metrics: the run time is never before the build time, and a finished rebuild or a frozen image says whether it still drifted', async () => {
    const args = { ...common(), name: box.source, kernel: false, metrics_file: metrics };
    assert.equal((await runModule('ltsp_image', args)).result.reason, 'missing');
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'messages 2\n');
    await settle();
    const rebuilt = await runModule('ltsp_image', args);
    assert.equal(rebuilt.result.reason, 'source_changed');
    assert.equal(metric(metrics, 'drifted'), 0, 'a successful rebuild leaves nothing drifted');
    assert.ok(metric(metrics, 'last_run_timestamp_seconds')! >= metric(metrics, 'last_build_timestamp_seconds')!);
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'messages 3\n');
    await settle();
    const frozen = await runModule('ltsp_image', { ...args, freeze: true });
    assert.equal(frozen.result.reason, 'frozen', frozen.stdout);
    assert.equal(frozen.result.pending, 'source_changed');
    assert.equal(metric(metrics, 'drifted'), 1, 'a frozen image whose source changed is still drifted');
  });

  it('freeze and force together are refused with a message naming both', async () => {
    const run = await runModule('ltsp_image', { ...common(), name: box.source, freeze: true, force: true });
    assertFailed(run, /^Options freeze and force contradict each other/);
  });
});
