// npm run collection: stages collection/ (galaxy.yml, roles, meta) with the bundles and their docs, the README, the examples
// and the example playbooks (runnable as ltsp.images.site, ...), then builds the tarball with ansible-galaxy.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stage = path.join(root, '.scratch', 'collection', 'ltsp', 'images');
const out = path.join(root, 'dist-collection');

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(path.join(stage, 'plugins', 'modules'), { recursive: true });
fs.mkdirSync(out, { recursive: true });
fs.cpSync(path.join(root, 'collection'), stage, { recursive: true });
for (const file of fs.readdirSync(path.join(root, 'bundle'))) {
  if (file === 'package.json') continue;
  fs.copyFileSync(path.join(root, 'bundle', file), path.join(stage, 'plugins', 'modules', file));
  fs.chmodSync(path.join(stage, 'plugins', 'modules', file), file.endsWith('.yml') ? 0o644 : 0o755);
}
fs.copyFileSync(path.join(root, 'README.md'), path.join(stage, 'README.md'));
fs.cpSync(path.join(root, 'examples'), path.join(stage, 'examples'), { recursive: true });
fs.cpSync(path.join(root, 'examples', 'playbooks'), path.join(stage, 'playbooks'), { recursive: true });
const build = spawnSync('ansible-galaxy', ['collection', 'build', '--force', '--output-path', out, stage], { stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) {
  console.error('ansible-galaxy collection build failed: install ansible-core (apt-get install ansible-core) and run npm run build first');
  process.exit(build.status ?? 1);
}
