// Bundles each modules/*.ts into one self-contained executable CommonJS file that Ansible can copy alone and run with Node 18.19+.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modules = fs.readdirSync(path.join(root, 'modules')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

/**
 * Node reads a file as ESM when a package.json with "type": "module" sits above it (a temp dir inside such a
 * project); there `require` is missing, so the bundle makes its own with createRequire and runs the same code.
 * The bundle's function is parenthesized so that V8 compiles it at once instead of pre-parsing 460 KiB and then
 * parsing it again when it is called (about 10 ms of every start).
 */
const ESM_GUARD = `(function (main) {
  if (typeof require === 'function') return main(require, module, exports, __filename, __dirname);
  import('node:module').then(function (m) {
    var file = require_path(process.argv[1]);
    var mod = { exports: {} };
    main(m.createRequire(file), mod, mod.exports, file, file.replace(/\\/[^/]*$/, ''));
  });
  function require_path(p) { return p.charAt(0) === '/' ? p : process.cwd() + '/' + p; }
})((function (require, module, exports, __filename, __dirname) {`;

/**
 * esbuild gives every file that imports a Node builtin its own __toESM copy of it (node:fs 53 times, some 100
 * properties each): about 8 ms of every start. Routing the imports through one module per builtin copies each once.
 */
const SHARED = 'shared-builtin';
const sharedBuiltins = {
  name: SHARED,
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => (args.namespace === SHARED ? { path: args.path, external: true } : { path: args.path, namespace: SHARED }));
    build.onLoad({ filter: /.*/, namespace: SHARED }, (args) => ({
      contents: `import m from '${args.path}'; export default m; export * from '${args.path}';`,
      loader: 'js',
    }));
  },
};

/**
 * The variables that arm the fault tests' crash and fail points (src/core/crashpoint.ts, failpoint.ts). The released
 * bundles read them as undefined, so the points and the variables are compiled out; the tests' copies in dist/faults
 * keep them (test/helpers/run-module.ts picks those when a test arms a point).
 */
const FAULT_VARIABLES = ['LTSP_IMAGE_CRASH_AT', 'LTSP_IMAGE_FAILPOINT'];
const released = Object.fromEntries(FAULT_VARIABLES.map((name) => [`process.env.${name}`, 'undefined']));
const faultsDir = path.join(root, 'dist', 'faults');
fs.mkdirSync(faultsDir, { recursive: true });
fs.copyFileSync(path.join(root, 'bundle', 'package.json'), path.join(faultsDir, 'package.json'));

async function bundle(name, outfile, define) {
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
    banner: { js: `#!/usr/bin/node\n// WANT_JSON\n// ${name}: built by scripts/bundle.mjs from modules/${name}.ts; do not edit.\n${ESM_GUARD}` },
    footer: { js: '}));' },
    logLevel: 'warning',
    plugins: [sharedBuiltins],
    define,
  });
  fs.chmodSync(outfile, 0o755);
}

for (const name of modules) {
  const outfile = path.join(root, 'bundle', name);
  await Promise.all([bundle(name, outfile, released), bundle(name, path.join(faultsDir, name), {})]);
  console.error(`bundle/${name}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
