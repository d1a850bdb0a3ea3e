// npm run bench: whole-module ratios against baselines measured in the same run, printed as a table and saved to bench/results.json.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_EXCLUDES } from '../src/squashfs/builtin-excludes.js';
import { debianTree } from '../test/helpers/debootstrap.js';
import { removeScratch } from '../test/helpers/tmp.js';
import { BENCH, MEMORY, SPEED, ensureTree, findOnce, median, projectRoot } from './lib.js';

const ROOT = projectRoot();
const BUNDLE = path.join(ROOT, 'bundle', 'ltsp_image');
const BASE = path.join(BENCH, 'ltsp');
const TFTP = path.join(BENCH, 'tftp');
// A memory bound must hold in every run, not on average: each is checked on this many runs, every figure shown.
const RSS_RUNS = 10;

interface Row {
  measure: string;
  value: string;
  baseline: string;
  result: number | string;
  goal: string;
  met: boolean;
}

/** One module run as Ansible makes it: a new Node process, JSON on stdin; returns milliseconds and the result. */
function moduleRun(args: Record<string, unknown>, rssFile?: string): Promise<{ ms: number; result: Record<string, unknown> }> {
  const start = process.hrtime.bigint();
  const preload = rssFile ? ['--require', path.join(ROOT, 'bench', 'rss-preload.cjs')] : [];
  const child = spawn(process.execPath, [...preload, BUNDLE], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...(rssFile ? { LTSP_BENCH_RSS_FILE: rssFile } : {}) } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stdin.end(JSON.stringify({ base_dir: BASE, tftp_dir: TFTP, kernel: false, ionice: '', ...args }));
  return new Promise((resolve, reject) =>
    child.on('close', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      try {
        resolve({ ms, result: JSON.parse(out) as Record<string, unknown> });
      } catch {
        reject(new Error(`module output is not JSON: ${out}`));
      }
    }),
  );
}

async function noopMedian(args: Record<string, unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, result } = await moduleRun(args);
    if (result.changed !== false) throw new Error(`expected a no-op run, got ${JSON.stringify(result).slice(0, 300)}`);
    times.push(ms);
  }
  return median(times);
}

/** A time against its baseline time (goal: a ratio). */
function row(measure: string, value: number, baseline: number, goal: number): Row {
  const result = Number((value / baseline).toFixed(2));
  return { measure, value: `${value.toFixed(0)} ms`, baseline: `${baseline.toFixed(0)} ms`, result, goal: `<= ${goal}x`, met: result <= goal };
}

/** What the module adds to its baseline, in ms (goal: an upper bound): a fixed cost, whatever the tree. */
function overheadRow(measure: string, value: number, baseline: number, goalMs: number): Row {
  const result = Math.round(value - baseline);
  return { measure, value: `${value.toFixed(0)} ms`, baseline: `${baseline.toFixed(0)} ms`, result, goal: `<= ${goalMs} ms over`, met: result <= goalMs };
}

/** Forced rebuilds (cleanup on, as by default) and mksquashfs alone on the same tree with the same excludes, alternated. */
async function rebuildTimes(tree: string, imageName: string): Promise<{ full: number; bare: number }> {
  const excludes = path.join(BENCH, 'excludes');
  fs.writeFileSync(excludes, `${BUILTIN_EXCLUDES.join('\n')}\n`);
  const bare: number[] = [];
  const full: number[] = [];
  await moduleRun({ name: tree, image_name: imageName });
  // Five pairs: a single run on this VM varies by up to 10 %, twice the tightest goal.
  for (let i = 0; i < 5; i++) {
    const out = path.join(BENCH, 'bare.img');
    const start = process.hrtime.bigint();
    spawnSync('mksquashfs', [tree, out, '-noappend', '-wildcards', '-ef', excludes, '-no-progress', '-quiet'], { stdio: 'ignore' });
    bare.push(Number(process.hrtime.bigint() - start) / 1e6);
    fs.rmSync(out, { force: true });
    full.push((await moduleRun({ name: tree, image_name: imageName, force: true })).ms);
  }
  return { full: median(full), bare: median(bare) };
}

/** Peak RSS over several runs: a bound must hold in every run, not on average (V8's heap growth varies between runs). */
async function peakRss(args: Record<string, unknown>, file: string, runs: number): Promise<number[]> {
  const peaks: number[] = [];
  for (let i = 0; i < runs; i++) {
    await moduleRun(args, file);
    peaks.push(Number(fs.readFileSync(file, 'utf8')) / 1024);
  }
  return peaks;
}

/** The two peak-RSS rows: a no-op on 200k entries and a 1M-entry check-mode walk, each bound checked on every run. */
async function rssRows(tree: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [measure, args, file] of [
    ['peak RSS, no-op run, 200k entries', { name: tree, image_name: 'bench-mtime' }, 'rss-200k'],
    ['peak RSS, 1M entries, full fingerprint (check mode)', { name: ensureTree(MEMORY), image_name: 'bench-1m', check_mode: true }, 'rss-1m'],
  ] as const) {
    const peaks = await peakRss(args, path.join(BENCH, file), RSS_RUNS);
    const max = Math.max(...peaks);
    rows.push({ measure: `${measure}, each of ${RSS_RUNS} runs`, value: `${max.toFixed(0)} MB (max)`, baseline: '-', result: `${peaks.map((p) => p.toFixed(0)).join(', ')} MB`, goal: '<= 150 MB each', met: max <= 150 });
  }
  return rows;
}

/** The time rows: no-op against find, checksum against mtime, and forced rebuilds against bare mksquashfs. */
async function timeRows(tree: string): Promise<Row[]> {
  const rows: Row[] = [];
  // Alternated, so both see the same page cache and machine load.
  await findOnce(tree);
  const finds: number[] = [];
  const noops: number[] = [];
  for (let i = 0; i < 5; i++) {
    finds.push(await findOnce(tree));
    noops.push(await noopMedian({ name: tree, image_name: 'bench-mtime' }, 1));
  }
  const find = median(finds);
  const mtime = median(noops);
  rows.push(row('no-op run, 200k entries, mtime (whole process) vs find -xdev -printf', mtime, find, 1.25));
  const checksum = await noopMedian({ name: tree, image_name: 'bench-checksum', compare: 'checksum' }, 5);
  rows.push(row('no-op run, checksum mode vs mtime mode', checksum, mtime, 1.5));
  const small = await rebuildTimes(tree, 'bench-mtime');
  rows.push(overheadRow('full rebuild vs bare mksquashfs, 200k small files', small.full, small.bare, 500));
  const debian = await debianTree();
  try {
    const real = await rebuildTimes(debian, 'bench-debian');
    rows.push(row('full rebuild vs bare mksquashfs, debootstrap minbase + openssh-server', real.full, real.bare, 1.08));
  } finally {
    await removeScratch(debian);
  }
  return rows;
}

/** Share of the last minute some task waited for a CPU (/proc/pressure/cpu): a loaded machine moves the time rows, not the RSS ones. */
function cpuPressure(): string {
  try {
    return `${/avg60=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? '?'} %`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (only !== undefined && !['rss', 'time'].includes(only)) throw new Error(`--only takes rss or time, not ${String(only)}`);
  const started = Date.now();
  const pressure = cpuPressure();
  fs.mkdirSync(BASE, { recursive: true });
  const tree = ensureTree(SPEED);
  // A first build of each image (untimed), so the timed runs find an up-to-date image and a warm cache.
  for (const compare of ['mtime', 'checksum']) {
    const first = await moduleRun({ name: tree, image_name: `bench-${compare}`, compare });
    if (first.result.failed) throw new Error(String(first.result.msg));
  }
  const rows = [...(only === 'time' ? [] : await rssRows(tree)), ...(only === 'rss' ? [] : await timeRows(tree))];
  if (only !== 'rss') {
    // The walk alone (what a no-op skips), in one warm process: informative, not a goal of its own.
    spawnSync(process.execPath, [path.join(ROOT, 'dist', 'bench', 'fingerprint.bench.js')], { stdio: 'inherit' });
  }

  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nltsp_image benchmarks on ${machine}; CPU pressure (avg60) ${pressure} at the start, ${cpuPressure()} at the end; ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
  console.log('| measure | value | baseline | ratio, ms over, or each run | goal | met |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.baseline} | ${r.result} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, date: new Date().toISOString(), only: only ?? 'all', rows }, null, 1)}\n`);
}

await main();
