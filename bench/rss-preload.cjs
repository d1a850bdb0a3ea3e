// Preloaded into a module run by the benchmark: records the process's peak RSS when it exits.
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  if (process.env.LTSP_BENCH_RSS_FILE) fs.writeFileSync(process.env.LTSP_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
