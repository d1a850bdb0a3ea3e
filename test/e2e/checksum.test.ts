// compare: checksum: content decides, a cache avoids re-reading, and raw disk sources are walked inside a private mount.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { hostSnapshot, assertNothingLeaked } from '../helpers/image.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('compare: checksum', function () {
  const box = useSandbox('checksum-', 'dir');
  const run = (extra: Record<string, unknown>) => runModule('ltsp_image', { base_dir: box.base, tftp_dir: box.tftp, compare: 'checksum', kernel: false, ...extra });

  before(async function () {
    fs.writeFileSync(path.join(box.source, 'etc/config'), 'a=1\n');
    await settle();
  });

  it('ignores a touch without a content change, rebuilds on a content change of the same size, and keeps a cache', async () => {
    assert.equal((await run({ name: box.source })).result.reason, 'missing');
    assert.ok(fs.existsSync(path.join(box.base, 'images/.src.checksums')));
    await execa('touch', [path.join(box.source, 'etc/config')]);
    await settle();
    assert.equal((await run({ name: box.source })).result.reason, 'up_to_date');
    const stat = fs.statSync(path.join(box.source, 'etc/config'));
    fs.writeFileSync(path.join(box.source, 'etc/config'), 'a=2\n');
    fs.utimesSync(path.join(box.source, 'etc/config'), stat.atime, stat.mtime);
    await settle();
    const changed = await run({ name: box.source });
    assert.equal(changed.result.reason, 'source_changed', changed.stdout);
    assert.deepEqual((changed.result.drift as { modified_paths: string[] }).modified_paths, ['etc/config']);
    const mtimeMode = await run({ name: box.source, image_name: 'src-mtime', compare: 'mtime' });
    assert.equal(mtimeMode.code, 0);
  });

  it('walks the filesystem inside a raw disk source in a private mount, so a touched disk file alone does not rebuild', async () => {
    const disk = path.join(box.scratch, 'disk.img');
    await execa('mkfs.ext4', ['-q', '-d', box.source, disk, '16M']);
    await settle();
    const before = await hostSnapshot();
    assert.equal((await run({ name: disk })).result.reason, 'missing');
    await execa('touch', [disk]);
    await settle();
    const again = await run({ name: disk });
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
    const inMtimeMode = await run({ name: disk, image_name: 'disk-mtime', compare: 'mtime' });
    assert.equal(inMtimeMode.result.reason, 'missing');
    await execa('touch', [disk]);
    await settle();
    assert.equal((await run({ name: disk, image_name: 'disk-mtime', compare: 'mtime' })).result.reason, 'source_changed', 'mtime mode compares the disk file identity');
    await assertNothingLeaked(before);
  });
});
