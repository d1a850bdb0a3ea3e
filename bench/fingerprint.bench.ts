// Holds the fingerprint to its budget: a warm 200k-entry walk within 1.25x of find -xdev -printf, and a 1M-entry walk under 150 MB of peak RSS.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileExcludes } from '../src/match/exclude-matcher.js';
import { computeFingerprint } from '../src/fingerprint/fingerprint.js';
import { BUILTIN_EXCLUDES } from '../src/squashfs/builtin-excludes.js';
import { boundHeapGrowth } from '../src/runtime/heap-growth.js';
import { BENCH, MEMORY, SPEED, ensureTree, findOnce, median } from './lib.js';

const SCRIPT = fileURLToPath(import.meta.url);
const RUNS = 5;

async function fingerprintOnce(tree: string, manifestFile: string): Promise<{ ms: number; entries: number }> {
  const start = process.hrtime.bigint();
  // The record of the previous walk, as a module run has it: the untimed first walk reads every entry's xattrs.
  const xattrs = { record: `${manifestFile}.xattrs`, write: true };
  const result = await computeFingerprint({ sources: [{ root: tree }], matcher: compileExcludes(BUILTIN_EXCLUDES), mode: 'mtime', manifestFile, xattrs, overlay: true });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, entries: result.entries };
}

async function speed(): Promise<void> {
  const tree = ensureTree(SPEED);
  const manifest = path.join(BENCH, 'speed-manifest.gz');
  // One untimed round warms the page cache and the JIT, as a module run on a warm server would find them.
  await findOnce(tree);
  const { entries } = await fingerprintOnce(tree, manifest);
  const finds: number[] = [];
  const walks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    finds.push(await findOnce(tree));
    walks.push((await fingerprintOnce(tree, manifest)).ms);
  }
  const [f, w] = [median(finds), median(walks)];
  console.log(`${entries} entries; find -xdev -printf: median ${f.toFixed(0)} ms; fingerprint (mtime): median ${w.toFixed(0)} ms; ratio ${(w / f).toFixed(2)} (goal <= 1.25)`);
  console.log(`  find runs ${finds.map((t) => t.toFixed(0)).join(' ')}; fingerprint runs ${walks.map((t) => t.toFixed(0)).join(' ')}`);
}

/** Runs one fingerprint in a fresh Node process so its peak RSS is the fingerprint's alone. */
async function memory(): Promise<void> {
  const tree = ensureTree(MEMORY);
  const child = spawn(process.execPath, [SCRIPT, '--child', tree, path.join(BENCH, 'memory-manifest.gz')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  await new Promise((resolve) => child.on('close', resolve));
  const { entries, ms, maxRSS } = JSON.parse(out) as { entries: number; ms: number; maxRSS: number };
  console.log(`${entries} entries; fingerprint (mtime) ${ms.toFixed(0)} ms; peak RSS ${(maxRSS / 1024).toFixed(0)} MB (goal < 150 MB)`);
}

async function child(tree: string, manifest: string): Promise<void> {
  // As every module process starts (src/start.ts).
  boundHeapGrowth();
  const { ms, entries } = await fingerprintOnce(tree, manifest);
  process.stdout.write(JSON.stringify({ entries, ms, maxRSS: process.resourceUsage().maxRSS }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!, args[2]!);
else {
  if (!args.includes('--memory-only')) await speed();
  if (!args.includes('--speed-only')) await memory();
}
