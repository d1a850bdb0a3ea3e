// The module protocol as callers see it: args from a file or stdin, one JSON object out, clear one-line failures.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertFailed, runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('module protocol', function () {
  let dir: string;
  before(async () => {
    dir = await scratchDir('ltsp-protocol-');
  });
  after(() => removeScratch(dir));

  it('names the option and the expected type on a type error', async () => {
    const run = await runModule('ltsp_image', { name: 5 });
    assertFailed(run, /Option name must be a string, got an integer \(5\)/);
  });

  it('fails clearly on an args file that is not JSON', async () => {
    const args = path.join(dir, 'broken-args');
    fs.writeFileSync(args, '{"name": "x", }');
    assertFailed(await runModule('ltsp_image', '', { argv: [args] }), /Arguments in .*broken-args are not valid JSON/);
  });

  it('reads stdin when its only argument is -', async () => {
    assertFailed(await runModule('ltsp_image', JSON.stringify({ name: 'nothing-here', base_dir: dir }), { argv: ['-'], stdinToo: true }), /Image does not exist: nothing-here/);
  });

  it('fails clearly on input that is not JSON', async () => {
    assertFailed(await runModule('ltsp_image', 'not json'), /not valid JSON/);
  });

  it('fails clearly on JSON that is not an object', async () => {
    assertFailed(await runModule('ltsp_image', '[1,2]'), /are an array, not a JSON object/);
    assertFailed(await runModule('ltsp_image', '"x"'), /are string, not a JSON object/);
  });

  it('lists the valid options for an unknown one', async () => {
    const run = await runModule('ltsp_image', { nmae: 'x' });
    assertFailed(run, /Unsupported option "nmae"; valid options are: .*base_dir.*name/);
  });

  it('reports a missing required option', async () => {
    assertFailed(await runModule('ltsp_image_revert', {}), /Missing required option: name/);
  });

  it('reads args from the file named by its first argument, as Ansible does with WANT_JSON', async () => {
    const args = path.join(dir, 'args');
    fs.writeFileSync(args, JSON.stringify({ name: 'nothing-here', base_dir: dir, _ansible_check_mode: true }));
    const run = await runModule('ltsp_image', '', { argv: [args] });
    assertFailed(run, /Image does not exist: nothing-here/);
  });

  it('accepts any _ansible_* key, and key=value strings for booleans and integers', async () => {
    const run = await runModule('ltsp_image', {
      name: 'nothing-here',
      base_dir: dir,
      backup: 'no',
      lock_timeout: '30',
      _ansible_check_mode: true,
      _ansible_diff: false,
      _ansible_verbosity: 0,
      _ansible_version: '2.14.18',
      _ansible_some_future_key: { x: 1 },
    });
    assertFailed(run, /Image does not exist/);
  });

  it('rejects a boolean string it cannot read', async () => {
    assertFailed(await runModule('ltsp_image', { name: 'x', backup: 'maybe' }), /Option backup must be a boolean, got a string \("maybe"\)/);
  });

  it('adds a stack trace only at verbosity 3 or more', async () => {
    const run = await runModule('ltsp_image', { name: 'nothing-here', base_dir: dir, _ansible_verbosity: 3 });
    assert.equal(run.code, 1);
    assert.match(String(run.result.exception), /ModuleError/);
  });

  it('with no_log, no argument value appears in the output', async () => {
    const secret = 'sekrit-source-name-42';
    const run = await runModule('ltsp_image', { name: secret, base_dir: dir, _ansible_no_log: true });
    assert.equal(run.code, 1);
    assert.ok(!run.stdout.includes(secret), run.stdout);
    assert.ok(!run.stdout.includes(dir), run.stdout);
  });

  it('rejects a relative base_dir', async () => {
    assertFailed(await runModule('ltsp_image', { name: 'x', base_dir: 'srv/ltsp' }), /Option base_dir must be an absolute path/);
  });
});
