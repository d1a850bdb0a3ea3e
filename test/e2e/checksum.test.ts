// compare: checksum: content decides, a cache avoids re-reading, and raw disk sources are walked inside a private mount.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { requireRoot } from '../helpers/root.js';
import { runModule } from '../helpers/run-module.js';
import { settle } from '../helpers/settle.js';
import { hostSnapshot, assertNothingLeaked } from '../helpers/image.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('compare: checksum', function () {
  let scratch: string;
  let source: string;
  let base: string;
  const run = (extra: Record<string, unknown>) => runModule('ltsp_image', { base_dir: base, tftp_dir: path.join(scratch, 'tftp'), compare: 'checksum', kernel: false, ...extra });

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('checksum-');
    base = path.join(scratch, 'ltsp');
    source = path.join(scratch, 'src');
    fs.mkdirSync(path.join(source, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(source, 'etc/config'), 'a=1\n');
    await settle();
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('ignores a touch without a content change, rebuilds on a content change of the same size, and keeps a cache', async () => {
    assert.equal((await run({ name: source })).result.reason, 'missing');
    assert.ok(fs.existsSync(path.join(base, 'images/.src.checksums')));
    await execa('touch', [path.join(source, 'etc/config')]);
    await settle();
    assert.equal((await run({ name: source })).result.reason, 'up_to_date');
    const stat = fs.statSync(path.join(source, 'etc/config'));
    fs.writeFileSync(path.join(source, 'etc/config'), 'a=2\n');
    fs.utimesSync(path.join(source, 'etc/config'), stat.atime, stat.mtime);
    await settle();
    const changed = await run({ name: source });
    assert.equal(changed.result.reason, 'source_changed', changed.stdout);
    assert.deepEqual((changed.result.drift as { modified_paths: string[] }).modified_paths, ['etc/config']);
    const mtimeMode = await run({ name: source, image_name: 'src-mtime', compare: 'mtime' });
    assert.equal(mtimeMode.code, 0);
  });

  it('walks the filesystem inside a raw disk source in a private mount, so a touched disk file alone does not rebuild', async () => {
    const disk = path.join(scratch, 'disk.img');
    await execa('mkfs.ext4', ['-q', '-d', source, disk, '16M']);
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
