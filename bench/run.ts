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

/** A forced rebuild (cleanup on, as by default) against mksquashfs alone on the same tree with the same excludes. */
async function rebuildRow(tree: string, imageName: string, label: string, goal: number): Promise<Row> {
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
  return row(`full rebuild vs bare mksquashfs, ${label}`, median(full), median(bare), goal);
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

  const rss200 = path.join(BENCH, 'rss-200k');
  await moduleRun({ name: tree, image_name: 'bench-mtime' }, rss200);
  rows.push(row('peak RSS of that no-op run', Number(fs.readFileSync(rss200, 'utf8')) / 1024, null, 150));
  const big = ensureTree(MEMORY);
  const rss1m = path.join(BENCH, 'rss-1m');
  await moduleRun({ name: big, image_name: 'bench-1m', check_mode: true }, rss1m);
  rows.push(row('peak RSS, 1M entries, full fingerprint (check mode)', Number(fs.readFileSync(rss1m, 'utf8')) / 1024, null, 150));

  // The goals of issue #17.
  rows.push(await rebuildRow(tree, 'bench-mtime', '200k small files', 1.05));
  const debian = await debianTree();
  try {
    rows.push(await rebuildRow(debian, 'bench-debian', 'debootstrap minbase + openssh-server', 1.03));
  } finally {
    await removeScratch(debian);
  }

  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nltsp_image benchmarks on ${machine}\n`);
  console.log('| measure | value | baseline | ratio or MB | goal | met |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.baseline} | ${r.result} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 1)}\n`);
}

await main();
