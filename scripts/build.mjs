// npm run build: generate from the schemas, compile, bundle; with this Node, not node_modules/.bin/node (the Node 18 used by the compatibility test).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  ['scripts/generate.mjs'],
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'],
  ['scripts/bundle.mjs'],
];
for (const step of steps) {
  const { status } = spawnSync(process.execPath, step, { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
