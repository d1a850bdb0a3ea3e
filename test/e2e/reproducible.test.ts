// Two builds of an unchanged source with the same options give byte-identical images, unless cleanup must add randomness.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeChrootFixture, type ChrootFixture } from '../helpers/chroot-fixture.js';
import { requireRoot } from '../helpers/root.js';
import { runModule } from '../helpers/run-module.js';
import { settle, untilNextSecond } from '../helpers/settle.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('reproducible images', function () {
  let scratch: string;
  let fixture: ChrootFixture;
  let base: string;
  const build = (extra: Record<string, unknown> = {}) =>
    runModule('ltsp_image', { name: 'fixture', base_dir: base, tftp_dir: path.join(scratch, 'tftp'), ...extra });

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('repro-');
    base = path.join(scratch, 'srv/ltsp');
    fixture = await makeChrootFixture(path.join(base, 'fixture'));
    await settle();
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('rebuilds an unchanged source into the same bytes, cleanup included, with the source time as the image time', async () => {
    fs.rmSync(path.join(fixture.root, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    await settle();
    const first = await build();
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.result.reproducible, true);
    const command = first.result.command as string[];
    assert.ok(command.includes('-mkfs-time'), JSON.stringify(command));
    await untilNextSecond();
    const second = await build({ force: true });
    assert.equal(second.result.reason, 'forced');
    const image = path.join(base, 'images/fixture.img');
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(`${image}.old`)), 'the two builds differ');
  });

  it('says when cleanup made the image differ from build to build', async () => {
    fs.writeFileSync(path.join(fixture.root, 'etc/ssl/private/ssl-cert-snakeoil.key'), fixture.secrets.snakeoilKey, { mode: 0o640 });
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
