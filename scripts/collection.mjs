// npm run collection: stages the bundles, their docs, README and examples as an Ansible collection and builds its tarball.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stage = path.join(root, '.scratch', 'collection', 'ltsp', 'images');
const out = path.join(root, 'dist-collection');

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(path.join(stage, 'plugins', 'modules'), { recursive: true });
fs.mkdirSync(path.join(stage, 'meta'), { recursive: true });
fs.mkdirSync(out, { recursive: true });
for (const file of fs.readdirSync(path.join(root, 'bundle'))) {
  if (file === 'package.json') continue;
  fs.copyFileSync(path.join(root, 'bundle', file), path.join(stage, 'plugins', 'modules', file));
  fs.chmodSync(path.join(stage, 'plugins', 'modules', file), file.endsWith('.yml') ? 0o644 : 0o755);
}
fs.copyFileSync(path.join(root, 'galaxy.yml'), path.join(stage, 'galaxy.yml'));
fs.copyFileSync(path.join(root, 'README.md'), path.join(stage, 'README.md'));
fs.cpSync(path.join(root, 'examples'), path.join(stage, 'examples'), { recursive: true });
fs.writeFileSync(path.join(stage, 'meta', 'runtime.yml'), "requires_ansible: '>=2.14.0'\n");
const build = spawnSync('ansible-galaxy', ['collection', 'build', '--force', '--output-path', out, stage], { stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) {
  console.error('ansible-galaxy collection build failed: install ansible-core (apt-get install ansible-core) and run npm run build first');
  process.exit(build.status ?? 1);
}
