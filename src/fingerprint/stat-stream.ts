// The no-op's shortcut: every entry's stat line as find prints it, hashed in find's own order with no per-entry work in Node, two finds at once.
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Everything a change to an entry moves: type, mode, owner, size, mtime, ctime (which the kernel sets on any
 * change of content, mode, owner, xattr or link count), inode, link count, path and symlink target. NUL ends the
 * path and the target, which hold anything else, so the stream reads back one way only.
 */
const FORMAT = '%y %m %U %G %s %T@ %C@ %i %n %p\\0%l\\0';
// More start points than this (argv size), or a name that is not UTF-8 (argv strings), and the stream is not read.
const MAX_STARTS = 4096;

function statLine(file: string, stat: fs.BigIntStats): string {
  const target = stat.isSymbolicLink() ? fs.readlinkSync(file) : '';
  return `${stat.mode} ${stat.uid} ${stat.gid} ${stat.size} ${stat.mtimeNs} ${stat.ctimeNs} ${stat.ino} ${stat.nlink} ${stat.dev} ${file}\0${target}\0`;
}

interface Start {
  root: string;
  rel: string;
  weight: number;
}

function namesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { encoding: 'buffer' })
    .sort(Buffer.compare)
    .map((bytes) => {
      const name = bytes.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(bytes)) throw new Error(`${dir}: a name that is not UTF-8`);
      return name;
    });
}

/**
 * The start points for a top directory: its entries, one level down, so that one big directory (a chroot's /usr)
 * does not leave one find with most of the tree; the directory's own line is then taken here. A directory of
 * many entries stays one start point.
 */
function startsIn(root: string, name: string, stat: fs.BigIntStats, dev: bigint, total: Hash): Start[] {
  const dir = path.join(root, name);
  const names = namesIn(dir);
  if (names.length > 256) return [{ root, rel: name, weight: Number(stat.nlink) }];
  total.update(statLine(dir, stat));
  const starts: Start[] = [];
  for (const child of names) {
    const childStat = fs.lstatSync(path.join(dir, child), { bigint: true });
    if (childStat.dev !== dev) total.update(statLine(path.join(dir, child), childStat));
    else starts.push({ root, rel: `${name}/${child}`, weight: childStat.isDirectory() ? Number(childStat.nlink) : 1 });
  }
  return starts;
}

/** Lists `starts` (names under `root`, as ./NAME: shorter lines to print and hash than whole paths, and never an option). */
function runFind(root: string, starts: string[], hash: Hash, signal?: AbortSignal, idle = false): Promise<boolean> {
  hash.update(`${root}\0`);
  const argv = ['-P', ...starts.map((name) => `./${name}`), '-xdev', '-printf', FORMAT];
  const child = spawn('find', argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, signal });
  let complaint = false;
  if (idle && child.pid !== undefined) os.setPriority(child.pid, 19);
  child.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
  child.stderr.on('data', () => (complaint = true));
  return new Promise((resolve) => {
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0 && !complaint));
  });
}

/**
 * sha256 over the stat lines of every entry under the roots, on each root's filesystem (mount points are
 * listed, not entered), or null when it cannot be read exactly (find complained, a name is not UTF-8, a root
 * is gone). Equal digests mean no entry was added, removed, renamed or changed in between, except a change
 * within the same timestamp tick: callers trust a digest only when no file was that recent (see scan/shortcut.ts).
 * Excludes are not applied: an excluded entry that changes costs a full walk, never a wrong answer.
 * `idle`: the finds run at the lowest CPU priority, beside a build that should not wait for them.
 */
export async function statDigest(given: readonly string[], signal?: AbortSignal, idle = false): Promise<string | null> {
  const total = createHash('sha256');
  const starts: Start[] = [];
  // A source given through a symlink is listed where it leads (as the walk lists it), and a new target moves the digest.
  let roots: string[];
  try {
    roots = given.map((root) => fs.realpathSync(root));
    total.update(`${given.join('\0')}\0`);
    for (const root of roots) {
      const top = fs.lstatSync(root, { bigint: true });
      total.update(statLine(root, top));
      if (!top.isDirectory()) continue;
      for (const name of namesIn(root)) {
        const stat = fs.lstatSync(path.join(root, name), { bigint: true });
        // A mount point would be a start point find enters; its line is taken here instead.
        if (stat.dev !== top.dev || !stat.isDirectory()) total.update(statLine(path.join(root, name), stat));
        else starts.push(...startsIn(root, name, stat, top.dev, total));
      }
    }
  } catch {
    return null;
  }
  if (starts.length > MAX_STARTS) return null;
  // The heaviest first, each to the find with less so far: weights are directory link counts, which grow with subdirectories.
  const load = [0, 0];
  const groups: number[][] = [[], []];
  for (const i of starts.map((_, i) => i).sort((x, y) => starts[y]!.weight - starts[x]!.weight)) {
    const g = load[0]! <= load[1]! ? 0 : 1;
    load[g]! += starts[i]!.weight;
    groups[g]!.push(i);
  }
  const hashes = groups.map(() => createHash('sha256'));
  const lists = async (i: number): Promise<boolean> => {
    // Back in listing order, one find per root.
    const mine = groups[i]!.sort((x, y) => x - y).map((index) => starts[index]!);
    for (const root of roots) {
      const here = mine.filter((s) => s.root === root).map((s) => s.rel);
      if (here.length > 0 && !(await runFind(root, here, hashes[i]!, signal, idle))) return false;
    }
    return true;
  };
  if ((await Promise.all([lists(0), lists(1)])).includes(false)) return null;
  for (const hash of hashes) total.update(hash.digest());
  return total.digest('hex');
}
