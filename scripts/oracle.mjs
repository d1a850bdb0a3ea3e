// npm run oracle -- --steps 5000 [--seeds 1,2,3]: the mutation oracle alone, long, for the bench machine (CI runs it short with the suite).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { steps: { type: 'string', default: '5000' }, seeds: { type: 'string', default: '1,2,3,4' }, verbose: { type: 'boolean', default: false } } });
if (!/^[1-9]\d*$/.test(values.steps) || !/^\d+(,\d+)*$/.test(values.seeds)) {
  console.error('oracle: --steps takes a positive number and --seeds a comma-separated list of numbers, e.g. --steps 5000 --seeds 1,2,3');
  process.exit(1);
}
const env = { ...process.env, ORACLE_STEPS: values.steps, ORACLE_SEEDS: values.seeds, ...(values.verbose ? { ORACLE_VERBOSE: '1' } : {}) };
const mocha = ['node_modules/mocha/bin/mocha.js', '--timeout', '0', 'dist/test/oracle/oracle.test.js'];
const { status } = spawnSync(process.execPath, mocha, { cwd: root, stdio: 'inherit', env });
process.exit(status ?? 1);
