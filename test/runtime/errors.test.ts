// A ModuleError keeps the error it wraps: the failed result shows both tracebacks at -vvv (Ansible's `exception`), and only there.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { errorCode, hasCode, ModuleError } from '../../src/core/errors.js';
import { runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('errors: the cause and the code', () => {
  let dir = '';
  before(async () => {
    dir = await scratchDir('errors-');
  });
  after(async () => {
    if (dir) await removeScratch(dir);
  });

  it('a wrapped system error shows in the result at -vvv, after its own traceback, and not without -vvv', async () => {
    // BASE/images is a file: listing it fails with ENOTDIR, which ltsp_image_info wraps in its own message.
    fs.writeFileSync(path.join(dir, 'images'), '');
    const args = { base_dir: dir, tftp_dir: path.join(dir, 'tftp'), ltsp_conf: '' };
    const quiet = await runModule('ltsp_image_info', args);
    assert.match(String(quiet.result.msg), /Cannot list .*images \(ENOTDIR\); check base_dir/);
    assert.equal(quiet.result.exception, undefined);
    assert.equal(quiet.result.cause, undefined, 'the cause is no result field');
    const verbose = await runModule('ltsp_image_info', { ...args, _ansible_verbosity: 3 });
    const exception = String(verbose.result.exception);
    assert.match(exception, /ENOTDIR[\s\S]*The above error was the direct cause of the following error:[\s\S]*ModuleError: Cannot list/, exception);
    assert.equal(verbose.result.cause, undefined);
  });

  it('keeps the cause out of the result fields and the rest in', () => {
    const cause = new Error('low');
    const error = new ModuleError('high', { changed: true, cause });
    assert.equal(error.cause, cause);
    assert.deepEqual(error.extra, { changed: true });
  });

  it('tells a code only for errors that carry one', () => {
    const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
    assert.equal(hasCode(enoent, 'ENOENT'), true);
    assert.equal(hasCode(enoent, 'EACCES', 'ENOTDIR'), false);
    assert.equal(hasCode(null, 'ENOENT'), false);
    assert.equal(hasCode('ENOENT', 'ENOENT'), false);
    assert.equal(errorCode({ code: 3 }), undefined);
    assert.equal(errorCode(enoent), 'ENOENT');
  });
});
