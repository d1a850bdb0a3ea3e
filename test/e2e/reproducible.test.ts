// Two builds of an unchanged source with the same options give byte-identical images, unless cleanup must add randomness.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runModule } from '../helpers/run-module.js';
import { settle, untilNextSecond } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('reproducible images', function () {
  const box = useSandbox('repro-', 'chroot');
  const build = (extra: Record<string, unknown> = {}) =>
    runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ...extra });

  before(settle);

  it('rebuilds an unchanged source into the same bytes, cleanup included, with the source time as the image time', async () => {
    fs.rmSync(path.join(box.source, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    await settle();
    const first = await build();
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.result.reproducible, true);
    const command = first.result.command as string[];
    assert.ok(command.includes('-mkfs-time'), JSON.stringify(command));
    await untilNextSecond();
    const second = await build({ force: true });
    assert.equal(second.result.reason, 'forced');
    const image = path.join(box.base, 'images/fixture.img');
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(`${image}.old`)), 'the two builds differ');
  });

  it('says when cleanup made the image differ from build to build', async () => {
    fs.writeFileSync(path.join(box.source, 'etc/ssl/private/ssl-cert-snakeoil.key'), box.fixture.secrets.snakeoilKey, { mode: 0o640 });
    await settle();
    const run = await build();
    assert.equal(run.result.reproducible, false);
    assert.match(String(run.result.reproducible_note), /snakeoil/);
  });

  it('leaves the time to the user or SOURCE_DATE_EPOCH', async () => {
    const chosen = await build({ mksquashfs_params: ['-mkfs-time', '1000000000'] });
    assert.equal((chosen.result.command as string[]).filter((a) => a === '-mkfs-time').length, 1);
  });
});
