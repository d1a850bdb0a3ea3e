// A module process bounds V8's heap growth itself (#31): the old generation stays within a fixed factor of what is live, whatever the collector's timing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

const PROBE = path.join(projectRoot, 'dist', 'test', 'helpers', 'heap-probe.cjs');

describe('a module process bounds how far its heap grows past what is live (#31)', function () {
  const box = useSandbox('heap-growth-', 'dir');

  it('keeps the old generation under three times its live size in a real check-mode run (V8 alone lets it reach four to five)', async function () {
    this.timeout(60_000);
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'heap\n');
    const file = path.join(box.scratch, 'heap-probe.json');
    const args = { name: box.source, image_name: 'heap', base_dir: box.base, tftp_dir: box.tftp, check_mode: true };
    // Three runs: the bound must hold in every one, not on average.
    for (let run = 0; run < 3; run++) {
      const result = await runModule('ltsp_image', args, { prefix: ['--require', PROBE], env: { LTSP_HEAP_PROBE_FILE: file } });
      assert.equal(result.code, 0, result.stdout);
      const { peakMB, liveMB, kept } = JSON.parse(fs.readFileSync(file, 'utf8')) as { peakMB: number; liveMB: number; kept: number };
      assert.equal(kept, 500_000);
      assert.ok(peakMB < 3 * liveMB, `old generation peaked at ${peakMB.toFixed(0)} MB with ${liveMB.toFixed(0)} MB live`);
    }
  });
});
