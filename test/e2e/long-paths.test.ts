// Entries near PATH_MAX: every one mksquashfs can store is in the image, and one it cannot is a warning naming it, never silence.
import assert from 'node:assert/strict';
import path from 'node:path';
import { listImage } from '../helpers/image.js';
import { seedLongPaths } from '../helpers/long-paths.js';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle } from '../helpers/settle.js';

describe('entries near PATH_MAX', function () {
  const box = useSandbox('long-', 'chroot');

  it('stores every entry up to 4093 bytes and warns, naming it, of each longer one mksquashfs leaves out', async () => {
    const [fits, longest, over, deep] = await seedLongPaths(box.source, [4050, 4093, 4094, 5000]);
    await settle();
    const args = { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, kernel: false };
    const run = await runModule('ltsp_image', args);
    assert.equal(run.code, 0, run.stdout);
    const paths = await listImage(path.join(box.images, 'fixture.img'));
    assert.ok(paths.has(fits!) && paths.has(longest!), 'an entry of 4050 or 4093 bytes is missing from the image');
    assert.ok(!paths.has(over!) && !paths.has(deep!), 'mksquashfs stored what it cannot stat');
    const warnings = (run.result.warnings as string[] | undefined) ?? [];
    // Each warning names the entry by its head and tail: the 4094-byte file's last 80 bytes, and the directory where the 5000-byte path went past PATH_MAX.
    const named = (entry: string) => warnings.some((w) => /File name too long/.test(w) && w.includes(entry.slice(0, 100)) && w.includes(`${entry.slice(-60)} because`) && w.length < 600);
    assert.ok(named(over!), `no warning names the 4094-byte entry: ${JSON.stringify(warnings)}`);
    const deepDir = deep!.slice(0, deep!.indexOf('/', 4094 - './'.length));
    assert.ok(named(deepDir.slice(0, deepDir.lastIndexOf('/'))) || named(deepDir), `no warning names the 5000-byte path: ${JSON.stringify(warnings)}`);
    // The walk sees what mksquashfs stores: the next run is a no-op.
    const again = await runModule('ltsp_image', args);
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
  });
});
