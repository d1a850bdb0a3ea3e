// Root hooks: children of the tests see the machine's Node, not node_modules/.bin/node (which is Node 18 for the compatibility test),
// and every run under test is marked as this test process's own, so leak checks never look at other builds on the machine.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeScratch, RUN_MARK, SCRATCH_ROOT } from './helpers/tmp.js';

process.env.PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.endsWith(`node_modules${path.sep}.bin`))
  .join(path.delimiter);

// Children inherit the mark (leak checks find our processes by it) and a private TMPDIR (where our work dirs go).
process.env[RUN_MARK] = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
fs.mkdirSync(SCRATCH_ROOT, { recursive: true });
process.env.TMPDIR = fs.mkdtempSync(path.join(SCRATCH_ROOT, 'run-'));

/** The private TMPDIR goes at the end, mounts inside it (none, unless a run leaked one) unmounted first. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await removeScratch(process.env.TMPDIR!);
  },
};
