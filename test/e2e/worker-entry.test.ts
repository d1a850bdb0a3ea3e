// Every bundle can be re-executed as the namespace worker: info's checksum scan of a disk source starts it too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { WorkerEvent } from '../../src/namespace/protocol.js';
import { workerArgv } from '../../src/namespace/run-worker.js';
import { bundleDir, runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('the namespace worker entry', function () {
  const box = useSandbox('worker-entry-', 'dir');

  before(async function () {
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'worker\n');
    await settle();
  });

  for (const bundle of ['ltsp_image', 'ltsp_image_revert', 'ltsp_image_info']) {
    it(`bundle/${bundle} runs a scan job as the worker`, async () => {
      const workDir = fs.mkdtempSync(path.join(box.scratch, `${bundle}-`));
      fs.chmodSync(workDir, 0o700);
      const job = {
        workDir,
        sources: [{ spec: box.source, path: box.source, kind: 'directory', options: [] }],
        overlay: false,
        cleanup: false,
        mksquashfs: null,
        kernel: null,
        scan: { excludes: [], cleanup: false, cacheFile: null },
      };
      const [cmd, ...args] = workerArgv(path.join(bundleDir, bundle));
      // The worker exits when its stdin closes (its parent died), so stdin stays open until it says done.
      const child = execa(cmd!, args, { stdin: 'pipe', reject: false });
      child.stdin.write(`${JSON.stringify(job)}\n`);
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"type":"done"') || seen.includes('"type":"error"')) child.stdin.end();
      });
      const ended = await child;
      const events = String(ended.stdout)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as WorkerEvent);
      assert.ok(events.some((e) => e.type === 'scan'), `${ended.stdout} ${ended.stderr}`);
      assert.ok(events.some((e) => e.type === 'done'), `${ended.stdout} ${ended.stderr}`);
    });
  }

  it('ltsp_image_info reads an image built with compare: checksum from a disk source', async () => {
    const disk = path.join(box.scratch, 'disk.img');
    await execa('mkfs.ext4', ['-q', '-d', box.source, disk, '16M']);
    await settle();
    const common = { base_dir: box.base, tftp_dir: box.tftp };
    const built = await runModule('ltsp_image', { ...common, name: disk, compare: 'checksum', kernel: false });
    assert.equal(built.result.reason, 'missing', built.stdout);
    const info = await runModule('ltsp_image_info', { ...common, name: 'disk' });
    assert.equal(info.code, 0, info.stdout);
    assert.deepEqual(info.result.drifted, []);
    assert.equal((info.result.images as { drifted: boolean }[])[0]?.drifted, false);
  });
});
