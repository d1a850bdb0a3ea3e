// State files that are valid JSON but wrong inside (#13 item 8): every module treats them as no record, with a warning that says what it does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';

const EDITS: [string, (s: Record<string, unknown>) => void][] = [
  ['config: null', (s) => (s.config = null)],
  ['resolvedSources: null', (s) => (s.resolvedSources = null)],
  ['excludes: null', (s) => (s.excludes = null)],
  ['generation: -5', (s) => (s.generation = -5)],
  ['generation: 2.5', (s) => (s.generation = 2.5)],
  ['generation beyond 2^53', (s) => (s.generation = 2 ** 53 + 2)],
  ['a manifest path outside the images dir', (s) => (s.manifest = '../../../../etc/shadow')],
  ['an image identity without its inode', (s) => delete (s.image as Record<string, unknown>).ino],
  ['a build history that is not a list', (s) => (s.history = 5)],
  ['a history entry without its time', (s) => (s.history = [{ generation: 1 }])],
  ['drift counts that are text', (s) => (s.drift = { added: 'many', removed: 0, modified: 0 })],
];

describe('state files wrong inside (#13 item 8)', function () {
  const box = useSandbox('state-files-', 'dir');
  let good = '';
  let cases = 0;
  let handled = 0;
  const args = (extra: Record<string, unknown> = {}) => ({ name: box.source, image_name: 'state', base_dir: box.base, tftp_dir: box.tftp, ...extra });
  const stateFile = () => path.join(box.base, 'images/state.img.json');

  before(async function () {
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'state\n');
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    assert.equal((await runModule('ltsp_image', args({ force: true }))).code, 0);
    good = fs.readFileSync(stateFile(), 'utf8');
  });
  afterEach(() => fs.writeFileSync(stateFile(), good));
  after(async function () {
    process.stdout.write(`      state files: ${cases} bad records, ${handled} ignored with a warning\n`);
  });

  for (const [title, edit] of EDITS) {
    it(`${title}: ltsp_image_info still lists the image, ltsp_image does not trust the record`, async () => {
      cases++;
      const state = JSON.parse(good) as Record<string, unknown>;
      edit(state);
      fs.writeFileSync(stateFile(), JSON.stringify(state));
      const info = await runModule('ltsp_image_info', { base_dir: box.base, tftp_dir: box.tftp });
      assert.equal(info.code, 0, info.stdout);
      assert.match((info.result.warnings as string[]).join('\n'), /Ignoring state file: .*state\.img\.json is not a valid ltsp_image state file/);
      const check = await runModule('ltsp_image', args({ check_mode: true }));
      assert.equal(check.code, 0, check.stdout);
      assert.equal(check.result.reason, 'image_replaced', check.stdout);
      assert.match((check.result.warnings as string[]).join('\n'), /is not a valid ltsp_image state file .*; would rebuild/);
      handled++;
    });
  }

  it('a bad record of the backup only: the run that does not rebuild does not say "rebuilding"', async () => {
    cases++;
    fs.writeFileSync(path.join(box.base, 'images/state.img.old.json'), '{"format": "ltsp-image-state/1", "generation": -5}');
    const run = await runModule('ltsp_image', args());
    assert.equal(run.result.reason, 'up_to_date', run.stdout);
    const warnings = (run.result.warnings as string[]).join('\n');
    assert.match(warnings, /state\.img\.old\.json is not a valid ltsp_image state file/);
    assert.doesNotMatch(warnings, /rebuild/);
    handled++;
  });
});
