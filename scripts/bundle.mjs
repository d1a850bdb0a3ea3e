// Bundles each modules/*.ts into one self-contained executable CommonJS file that Ansible can copy alone and run with Node 18.19+.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modules = fs.readdirSync(path.join(root, 'modules')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

for (const name of modules) {
  const outfile = path.join(root, 'bundle', name);
  await build({
    entryPoints: [path.join(root, 'modules', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18.19',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // Ansible runs a module with this marker as: node MODULE ARGS_FILE (WANT_JSON).
    banner: { js: `#!/usr/bin/env node\n// WANT_JSON\n// ${name}: built by scripts/bundle.mjs from modules/${name}.ts; do not edit.` },
    logLevel: 'warning',
  });
  fs.chmodSync(outfile, 0o755);
  console.error(`bundle/${name}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
