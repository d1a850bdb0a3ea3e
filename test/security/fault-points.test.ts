// The crash and fail points the fault tests arm by environment variables are compiled out of the released bundles: no variable arms them on a server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundleDir, FAULT_VARIABLES, faultsBundleDir } from '../helpers/run-module.js';

const MODULES = fs.readdirSync(bundleDir).filter((f) => !f.includes('.'));
/** What a point leaves in a bundle: the variables that arm it and the lines it writes when reached. */
const TRACES = [...FAULT_VARIABLES, 'crash point ', 'failpoint '];
/** The module's own variables a released bundle may name; a new one is compiled out, or documented and added here. */
const RELEASED_VARIABLES = [
  'LTSP_IMAGE_CHANGED', // set for ltsp.conf's POST hooks (README: ltsp.conf)
  'LTSP_IMAGE_SYSLOG_SOCKET', // sends the log lines to another socket (README: Differences, Environment)
];

describe('fault points in the bundles', () => {
  for (const name of MODULES) {
    it(`${name}: the released bundle holds none, the tests' copy has them`, () => {
      const released = fs.readFileSync(path.join(bundleDir, name), 'utf8');
      assert.deepEqual(TRACES.filter((t) => released.includes(t)), []);
      const named = [...new Set(released.match(/LTSP_IMAGE_[A-Z0-9_]+/g) ?? [])];
      assert.deepEqual(named.filter((v) => !RELEASED_VARIABLES.includes(v)), [], 'a variable the released bundle reads or sets that is not allowed');
      const faults = fs.readFileSync(path.join(faultsBundleDir, name), 'utf8');
      assert.ok(FAULT_VARIABLES.every((v) => faults.includes(v)), `${faultsBundleDir}/${name} lacks the fault variables`);
    });
  }
});
