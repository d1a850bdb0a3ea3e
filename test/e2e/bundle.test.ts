// Each bundle is one self-contained file: copied alone under another name, it runs with this Node and with Node 18.19.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { requireRoot } from '../helpers/root.js';
import { bundleDir, node18, runModule } from '../helpers/run-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const MODULES = fs.readdirSync(bundleDir).filter((f) => !f.includes('.'));

describe('bundles', () => {
  it('include the three modules, each an executable CommonJS file under 1 MB with a shebang and WANT_JSON', () => {
    assert.deepEqual(MODULES.sort(), ['ltsp_image', 'ltsp_image_info', 'ltsp_image_revert']);
    for (const name of MODULES) {
      const file = path.join(bundleDir, name);
      const text = fs.readFileSync(file, 'utf8');
      // Not /usr/bin/env node: Ansible names the interpreter variable after the shebang's first word (ansible_node_interpreter).
      assert.ok(text.startsWith('#!/usr/bin/node\n'), `${name}: shebang`);
      assert.ok(text.includes('WANT_JSON'), `${name}: WANT_JSON marker`);
      assert.ok(fs.statSync(file).size < 1024 * 1024, `${name}: under 1 MB`);
      assert.ok(fs.statSync(file).mode & 0o100, `${name}: executable`);
      // ES module syntax at the start of a line; a python3 program the bundle carries as text (`import errno, os`) is not.
      assert.doesNotMatch(text, /^\s*(import\s.*\sfrom\s*['"]|import\s*['"]|export\s+(default|const|let|var|function|class|\{))/m, `${name}: CommonJS`);
    }
  });

  it('the machine has Node 18.19 for the compatibility runs', async () => {
    const { stdout } = await execa(node18, ['--version']);
    assert.equal(stdout.trim(), 'v18.19.1');
  });

  for (const name of MODULES) {
    for (const [label, node, moduleType] of [
      ['this Node', process.execPath, 'commonjs'],
      ['Node 18.19', node18, 'commonjs'],
      ['this Node, below a "type": "module" package.json', process.execPath, 'module'],
      ['Node 18.19, below a "type": "module" package.json', node18, 'module'],
    ] as const) {
      it(`${name} copied alone as AnsiballZ_${name}.js runs with ${label}`, async () => {
        const dir = await scratchDir('bundle-');
        try {
          const copy = path.join(dir, `AnsiballZ_${name}.js`);
          fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: moduleType }));
          fs.copyFileSync(path.join(bundleDir, name), copy);
          const run = await runModule(name, { name: 5 }, { file: copy, node, cwd: dir });
          assert.equal(run.code, 1);
          assert.match(String(run.result.msg), /Option name must be a string/);
        } finally {
          await removeScratch(dir);
        }
      });
    }
  }

  it('a copy run by Node 18.19 builds a real image, its namespace worker included', async function () {
    requireRoot(this);
    const dir = await scratchDir('bundle18-');
    try {
      fs.mkdirSync(path.join(dir, 'src/etc'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src/etc/hostname'), 'x\n');
      const copy = path.join(dir, 'AnsiballZ_ltsp_image.js');
      fs.copyFileSync(path.join(bundleDir, 'ltsp_image'), copy);
      const run = await runModule('ltsp_image', { name: path.join(dir, 'src'), base_dir: path.join(dir, 'base'), tftp_dir: path.join(dir, 'tftp') }, { file: copy, node: node18, cwd: dir });
      assert.equal(run.code, 0, run.stdout);
      assert.ok(fs.existsSync(path.join(dir, 'base/images/src.img')));
    } finally {
      await removeScratch(dir);
    }
  });
});
