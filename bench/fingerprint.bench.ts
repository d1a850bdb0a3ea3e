// Holds the fingerprint to its budget: a warm 200k-entry walk within 1.25x of find -xdev -printf, and a 1M-entry walk under 150 MB of peak RSS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileExcludes } from '../src/fingerprint/exclude-matcher.js';
import { computeFingerprint } from '../src/fingerprint/fingerprint.js';
import { BUILTIN_EXCLUDES } from '../src/squashfs/builtin-excludes.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const BENCH = path.join(projectRoot(), '.scratch', 'bench');
const SCRIPT = fileURLToPath(import.meta.url);
const RUNS = 5;

interface Shape {
  name: string;
  /** Directories per level (top, middle, leaf) and entries per leaf directory (one of them a symlink). */
  fanout: [number, number, number];
  files: number;
}

const SPEED: Shape = { name: 'tree-200k', fanout: [20, 20, 25], files: 19 };
const MEMORY: Shape = { name: 'tree-1m', fanout: [20, 40, 50], files: 24 };

/** Builds the tree once (a marker beside it says it is complete) and returns its path. */
function ensureTree(shape: Shape): string {
  const root = path.join(BENCH, shape.name);
  const done = `${root}.complete`;
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const [tops, mids, leaves] = shape.fanout;
  process.stdout.write(`building ${root} (once)...\n`);
  for (let t = 0; t < tops; t++) {
    for (let m = 0; m < mids; m++) {
      for (let l = 0; l < leaves; l++) {
        const dir = path.join(root, `top${t}`, `mid${m}`, `leaf${l}`);
        fs.mkdirSync(dir, { recursive: true });
        for (let f = 1; f < shape.files; f++) fs.writeFileSync(path.join(dir, `file-${f}.txt`), f % 10 === 0 ? `${dir} ${f}\n` : '');
        fs.symlinkSync('file-1.txt', path.join(dir, 'link'));
      }
    }
  }
  fs.writeFileSync(done, '');
  return root;
}

function findOnce(tree: string): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn('find', [tree, '-xdev', '-printf', '%p %s %T@ %m %U %G\\n'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
  });
}

async function fingerprintOnce(tree: string, manifestFile: string): Promise<{ ms: number; entries: number }> {
  const start = process.hrtime.bigint();
  const result = await computeFingerprint({ sources: [{ root: tree }], matcher: compileExcludes(BUILTIN_EXCLUDES), mode: 'mtime', manifestFile });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, entries: result.entries };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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
  const { ms, entries } = await fingerprintOnce(tree, manifest);
  process.stdout.write(JSON.stringify({ entries, ms, maxRSS: process.resourceUsage().maxRSS }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!, args[2]!);
else {
  if (!args.includes('--memory-only')) await speed();
  if (!args.includes('--speed-only')) await memory();
}
