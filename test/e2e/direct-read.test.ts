// mksquashfs reads a lone directory source directly, with cleanup's changes as pseudo files: the image must be the very bytes the overlay gave.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { effectiveExcludes } from '../../src/squashfs/excludes.js';
import type { OverlaySquashJob } from '../helpers/overlay-squash.js';
import { projectRoot, runModule } from '../helpers/run-module.js';
import { addContainerLayer, CONTAINER_LAYER } from '../helpers/server-tree.js';
import { settle, walkRecordAged } from '../helpers/settle.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('direct read of a directory source', function () {
  const box = useSandbox('direct-', 'chroot');

  before(async function () {
    // Randomness aside (a new snakeoil key), and a root the overlay shows as 0755 root:root while the source's is not.
    fs.rmSync(path.join(box.source, 'etc/ssl/private/ssl-cert-snakeoil.key'));
    fs.chmodSync(box.source, 0o700);
    fs.chownSync(box.source, 0, 5);
    await settle();
  });

  /** The image of the source as builds made it before the direct read (cleanup and mksquashfs on the overlay), at the time the build used. */
  const overlayImage = async (argv: string[], name: string, fromParams: string[] = []) => {
    const time = Number(argv[argv.indexOf('-mkfs-time') + 1]);
    const output = path.join(box.scratch, `${name}.img`);
    const job: OverlaySquashJob = {
      workDir: path.join(box.scratch, `work-${name}`),
      source: box.source,
      excludes: effectiveExcludes({}, fromParams),
      stableTime: time,
      command: { prefix: [], root: '', output, excludesFile: '', mkfsTime: time, params: ['-no-progress', '-quiet'] },
    };
    const helper = path.join(projectRoot, 'dist/test/helpers/overlay-squash.js');
    const child = await execa('unshare', ['--mount', '--propagation', 'private', process.execPath, helper, JSON.stringify(job)]);
    return { output, seen: JSON.parse(child.stdout) as { direct: boolean; pseudo: number; excluded: number } };
  };

  it('gives the same bytes as mksquashfs on the cleaned-up overlay', async () => {
    const run = await runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ionice: '', kernel: false });
    assert.equal(run.code, 0, run.stdout);
    const argv = run.result.command as string[];
    const { output, seen } = await overlayImage(argv, 'overlay');
    assert.equal(seen.direct, true, 'this source is read directly');
    assert.ok(seen.pseudo > 0 && seen.excluded > 0, `cleanup changed files: ${JSON.stringify(seen)}`);
    const image = path.join(box.base, 'images/fixture.img');
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(output)), 'the direct read and the overlay give different images');
    // The result says what ran: the source's read-only bind in the work dir, with the pseudo file; a no-op says what a build would start from.
    assert.ok(argv.includes('-pf'), `the command that ran: ${argv.join(' ')}`);
    const noop = await runModule('ltsp_image', { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ionice: '', kernel: false });
    assert.equal(noop.result.reason, 'up_to_date', noop.stdout);
    assert.ok(!(noop.result.command as string[]).includes('-pf'));
  });

  it('leaves the paths after -e out on the direct read as the overlay does, and a change under them rebuilds nothing (#24)', async () => {
    const args = { name: 'fixture', image_name: 'excluded', base_dir: box.base, tftp_dir: box.tftp, ionice: '', kernel: false };
    const excluded = ['etc/shadow', 'var/log/syslog'];
    const run = await runModule('ltsp_image', { ...args, mksquashfs_params: ['-e', ...excluded] });
    assert.equal(run.code, 0, run.stdout);
    const argv = run.result.command as string[];
    assert.ok(argv.includes('-pf'), `the source was not read directly: ${argv.join(' ')}`);
    const image = path.join(box.base, 'images/excluded.img');
    const { stdout } = await execa('unsquashfs', ['-l', '-d', '', image]);
    assert.match(stdout, /^\/etc\/passwd$/m);
    assert.doesNotMatch(stdout, /^\/(etc\/shadow|var\/log\/syslog)$/m, 'a path after -e is in the image');
    const { output } = await overlayImage(argv, 'overlay-excluded', excluded);
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(output)), 'the direct read and the overlay give different images');
    fs.chmodSync(path.join(box.source, 'var/log/syslog'), 0o600);
    await settle();
    const again = await runModule('ltsp_image', { ...args, mksquashfs_params: ['-e', ...excluded] });
    assert.equal(again.result.reason, 'up_to_date', again.stdout);
  });

  it("reads through the overlay when the source holds what only an overlay hides (a container engine's layers), as the reference does", async () => {
    const args = { name: 'fixture', base_dir: box.base, tftp_dir: box.tftp, ionice: '', kernel: false };
    // A chrootless server running podman.
    await addContainerLayer(box.source);
    await settle();
    const run = await runModule('ltsp_image', args);
    assert.equal(run.result.reason, 'source_changed', run.stdout);
    const argv = run.result.command as string[];
    assert.ok(!argv.includes('-pf'), `the source was read directly: ${argv.join(' ')}`);
    const { output } = await overlayImage(argv, 'overlay-layers');
    const image = path.join(box.base, 'images/fixture.img');
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(output)), 'the image is not the one the overlay gives');
    const { stdout } = await execa('unsquashfs', ['-l', '-d', '', image, CONTAINER_LAYER]);
    assert.match(stdout, /diff\/etc\/kept$/m);
    assert.doesNotMatch(stdout, /diff\/gone$|diff\/etc\/meta$/m, 'what the overlay hides is in the image');
    // A forced build that takes the walk record's word knows it too.
    await walkRecordAged(path.join(box.base, 'images/.fixture.walk'));
    const forced = await runModule('ltsp_image', { ...args, force: true });
    assert.equal(forced.result.reason, 'forced', forced.stdout);
    assert.ok(!(forced.result.command as string[]).includes('-pf'), forced.stdout);
    assert.ok(fs.readFileSync(image).equals(fs.readFileSync(output)), 'the forced build is not the same image');
  });
});
