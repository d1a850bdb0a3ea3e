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
// Peak RSS depends on when V8 collects: each bound is checked on the highest of this many runs.
const RSS_RUNS = 10;

interface Row {
  measure: string;
  value: string;
  baseline: string;
  result: number;
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

/** A time against its baseline time (goal: a ratio), or a size in MB (goal: an upper bound). */
function row(measure: string, value: number, baseline: number | null, goal: number): Row {
  const result = Number((baseline === null ? value : value / baseline).toFixed(2));
  return {
    measure,
    value: baseline === null ? `${value.toFixed(0)} MB` : `${value.toFixed(0)} ms`,
    baseline: baseline === null ? '-' : `${baseline.toFixed(0)} ms`,
    result,
    goal: baseline === null ? `<= ${goal} MB` : `<= ${goal}x`,
    met: result <= goal,
  };
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

async function main(): Promise<void> {
  fs.mkdirSync(BASE, { recursive: true });
  const tree = ensureTree(SPEED);
  const rows: Row[] = [];

  // A first build of each image (untimed), so the timed runs find an up-to-date image and a warm cache.
  for (const compare of ['mtime', 'checksum']) {
    const first = await moduleRun({ name: tree, image_name: `bench-${compare}`, compare });
    if (first.result.failed) throw new Error(String(first.result.msg));
  }
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

  // The goals of issue #31.
  const noopPeaks = await peakRss({ name: tree, image_name: 'bench-mtime' }, path.join(BENCH, 'rss-200k'), RSS_RUNS);
  rows.push(row(`peak RSS of that no-op run, the highest of ${RSS_RUNS}`, Math.max(...noopPeaks), null, 150));
  const big = ensureTree(MEMORY);
  const checkPeaks = await peakRss({ name: big, image_name: 'bench-1m', check_mode: true }, path.join(BENCH, 'rss-1m'), RSS_RUNS);
  console.log(`peak RSS of ${RSS_RUNS} 1M-entry check-mode runs (MB): ${checkPeaks.map((p) => p.toFixed(0)).join(', ')}`);
  rows.push(row(`peak RSS, 1M entries, full fingerprint (check mode), the highest of ${RSS_RUNS}`, Math.max(...checkPeaks), null, 150));

  const small = await rebuildTimes(tree, 'bench-mtime');
  rows.push(overheadRow('full rebuild vs bare mksquashfs, 200k small files', small.full, small.bare, 500));
  const debian = await debianTree();
  try {
    const real = await rebuildTimes(debian, 'bench-debian');
    rows.push(row('full rebuild vs bare mksquashfs, debootstrap minbase + openssh-server', real.full, real.bare, 1.08));
  } finally {
    await removeScratch(debian);
  }

  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nltsp_image benchmarks on ${machine}\n`);
  console.log('| measure | value | baseline | ratio, MB or ms over | goal | met |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.baseline} | ${r.result} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 1)}\n`);
}

await main();
