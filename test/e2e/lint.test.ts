// ansible-lint (production profile) on the example playbooks and on the built collection, as a user of either would run it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../helpers/run-module.js';
import { installCollection } from '../helpers/ansible.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('ansible-lint', function () {
  let scratch: string;
  let collections: string;
  // The scratch dir is gitignored: without a git dir ansible-lint walks the files instead of asking git for them.
  const lint = (cwd: string, args: string[]) =>
    execa('ansible-lint', ['--offline', '--profile', 'production', '--nocolor', ...args], {
      cwd,
      env: { ANSIBLE_COLLECTIONS_PATH: collections, GIT_DIR: path.join(scratch, 'no-git'), NO_COLOR: '1' },
      reject: false,
      all: true,
    });

  before(async function () {
    this.timeout(600000);
    scratch = await scratchDir('lint-');
    collections = path.join(scratch, 'collections');
    await installCollection(collections);
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('passes on the example playbooks, run from the repository root', async () => {
    const run = await lint(projectRoot, ['examples']);
    assert.equal(run.exitCode, 0, run.all);
    assert.match(run.all ?? '', /Passed with production profile/);
  });

  it('passes on the installed collection (roles, playbooks, examples)', async () => {
    const run = await lint(path.join(collections, 'ansible_collections/ltsp/images'), []);
    assert.equal(run.exitCode, 0, run.all);
    assert.match(run.all ?? '', /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on [1-9]\d* files/);
  });
});
