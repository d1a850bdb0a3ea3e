// The leak checks look only at this test run's processes, mounts, loop devices and work dirs: other builds on the machine are not leaks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { assertNothingLeaked, hostSnapshot } from '../helpers/image.js';
import { requireRoot } from '../helpers/root.js';
import { waitForProcess } from '../helpers/spawn-module.js';
import { RUN_MARK } from '../helpers/tmp.js';

/** A process named like a build's mksquashfs, with or without this run's mark in its environment. */
function fakeMksquashfs(tag: string, ours: boolean) {
  const env = ours ? { ...process.env } : { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const child = execa('bash', ['-c', `exec -a "mksquashfs /srv/${tag}.img.tmp" sleep 600`], { env, extendEnv: false, reject: false });
  return { child, ready: waitForProcess(`mksquashfs /srv/${tag}.img.tmp`, { anyRun: !ours }) };
}

describe('leak checks are scoped to the run under test (#13 item 11)', function () {
  let checks = 0;
  let held = 0;
  const foreignDir = fs.mkdtempSync(path.join('/tmp', 'ltsp-image.foreign-build.'));
  after(() => {
    fs.rmSync(foreignDir, { recursive: true, force: true });
    process.stdout.write(`      leak scope: ${checks} checks, ${held} held\n`);
  });

  it('ignores another build on the machine: its mksquashfs, its work dir in /tmp, its tmpfs mount and its loop device', async function () {
    requireRoot(this);
    checks++;
    assert.notEqual(os.tmpdir(), '/tmp', `test/setup.ts gives the run a private TMPDIR (${RUN_MARK} marks its processes)`);
    const before = await hostSnapshot();
    const other = fakeMksquashfs('foreign-build', false);
    await other.ready;
    const mnt = path.join(foreignDir, 'mnt');
    fs.mkdirSync(mnt);
    await execa('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    const backing = path.join(foreignDir, 'disk');
    fs.writeFileSync(backing, Buffer.alloc(1 << 20));
    const loop = (await execa('losetup', ['--find', '--show', backing])).stdout.trim();
    fs.mkdirSync(path.join('/tmp', `ltsp-image.foreign.${process.pid}`));
    try {
      await assertNothingLeaked(before);
      held++;
    } finally {
      other.child.kill('SIGKILL');
      await other.child;
      await execa('umount', [mnt]);
      await execa('losetup', ['-d', loop]);
      fs.rmdirSync(path.join('/tmp', `ltsp-image.foreign.${process.pid}`));
    }
  });

  it('still catches a process and a work dir of this run', async function () {
    requireRoot(this);
    checks++;
    const before = await hostSnapshot();
    const ours = fakeMksquashfs('our-build', true);
    await ours.ready;
    try {
      await assert.rejects(assertNothingLeaked(before), /processes left behind/);
    } finally {
      ours.child.kill('SIGKILL');
      await ours.child;
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ltsp-image.ours.'));
    try {
      await assert.rejects(assertNothingLeaked(before), /work dirs left/);
    } finally {
      fs.rmdirSync(workDir);
    }
    await assertNothingLeaked(before);
    held++;
  });
});
