// Shared by the benchmarks: the generated trees, the find baseline and medians.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

export const BENCH = path.join(projectRoot(), '.scratch', 'bench');

export interface Shape {
  name: string;
  /** Directories per level (top, middle, leaf) and entries per leaf directory (one of them a symlink). */
  fanout: [number, number, number];
  files: number;
}

export const SPEED: Shape = { name: 'tree-200k', fanout: [20, 20, 25], files: 19 };
export const MEMORY: Shape = { name: 'tree-1m', fanout: [20, 40, 50], files: 24 };

/** Builds the tree once (a marker beside it says it is complete) and returns its path. */
export function ensureTree(shape: Shape): string {
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

export function findOnce(tree: string): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn('find', [tree, '-xdev', '-printf', '%p %s %T@ %m %U %G\\n'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
  });
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
