#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, checks generated files are fresh, builds, runs mocha.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [[ $(id -u) -ne 0 ]]; then
  echo "Most tests mount filesystems and need root; without root they are skipped (CI=true makes them fail instead). Run as root for the full suite." >&2
fi
node scripts/generate.mjs --check
node scripts/check-layers.mjs
npm run --silent build >&2
# No arguments: every test; otherwise the given compiled test files (dist/test/DIR/FILE.test.js), with mocha's options.
if (($# == 0)); then set -- 'dist/test/**/*.test.js'; fi
exec node node_modules/mocha/bin/mocha.js "$@"
