// The import-boundary check CI runs (scripts/check-layers.mjs): it passes on src/ and names each kind of breach it exists for.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT, removeScratch, scratchDir } from '../helpers/tmp.js';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts/check-layers.mjs');

async function check(src?: string) {
  const run = await execa(process.execPath, [SCRIPT, ...(src ? [src] : [])], { reject: false });
  return { code: run.exitCode, stderr: String(run.stderr) };
}

describe('check-layers', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await scratchDir('layers-');
  });
  afterEach(async () => {
    if (dir) await removeScratch(dir);
  });

  /** A src tree of `files` (path -> content) in the scratch dir. */
  function tree(files: Record<string, string>): string {
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, 'src', rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', rel), content);
    }
    return path.join(dir, 'src');
  }

  it('passes on src/', async () => {
    const run = await check();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /no loop, no library importing orchestration/);
  });

  it("is what README's Development shows", async () => {
    const table = await execa(process.execPath, [SCRIPT, '--table']);
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes(`${String(table.stdout).trim()}\n`), `README's layer table is stale; put in this one:\n${table.stdout}`);
  });

  it('names a loop between folders, with an import that makes each step', async () => {
    const run = await check(tree({ 'fs/a.ts': "import { b } from '../core/b.js';", 'core/b.ts': "import type { A } from '../fs/a.js';" }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /loop \((core -> fs -> core|fs -> core -> fs)\)/);
    assert.match(run.stderr, /fs\/a\.ts -> \.\.\/core\/b\.js/);
  });

  it('names a library folder importing an orchestration folder', async () => {
    const run = await check(tree({ 'store/a.ts': "export { run } from '../image/run.js';", 'image/run.ts': '' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /library src\/store\/ imports orchestration src\/image\/ \(store\/a\.ts -> \.\.\/image\/run\.js\)/);
  });

  it('names a folder in no layer', async () => {
    const run = await check(tree({ 'gadgets/a.ts': '' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /src\/gadgets\/ is in no layer/);
  });
});
