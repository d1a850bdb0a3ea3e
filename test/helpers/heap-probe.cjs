// Preloaded into a module run by the heap-growth test: once the module is done, churns the heap as a walk does (a
// steady live set, short-lived objects that live long enough to be promoted) and records how far the old generation
// grew past what stayed live.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');

const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');

process.on('exit', () => {
  const live = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `live ${i}` }));
  const ring = new Array(100_000);
  let peak = 0;
  for (let i = 0; i < 4_000_000; i++) {
    ring[i % ring.length] = { i, s: `entry ${i}` };
    if (i % 10_000 === 0) peak = Math.max(peak, oldSpace().space_size);
  }
  v8.setFlagsFromString('--expose-gc');
  vm.runInNewContext('gc')();
  const result = { peakMB: peak / 2 ** 20, liveMB: oldSpace().space_used_size / 2 ** 20, kept: live.length + ring.length };
  fs.writeFileSync(process.env.LTSP_HEAP_PROBE_FILE, JSON.stringify(result));
});
