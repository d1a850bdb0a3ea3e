// The no-op's shortcut: every entry's stat line as find prints it, hashed in find's own order with no per-entry work in Node, two finds at once.
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
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

/** Lists `starts` (names under `root`, as ./NAME: shorter lines to print and hash than whole paths, and never an option). */
function runFind(root: string, starts: string[], hash: Hash, signal?: AbortSignal): Promise<boolean> {
  hash.update(`${root}\0`);
  const argv = ['-P', ...starts.map((name) => `./${name}`), '-xdev', '-printf', FORMAT];
  const child = spawn('find', argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, signal });
  let complaint = false;
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
 * within the same timestamp tick: callers trust a digest only when no file was that recent (see steps/walk-shortcut.ts).
 * Excludes are not applied: an excluded entry that changes costs a full walk, never a wrong answer.
 */
export async function statDigest(roots: readonly string[], signal?: AbortSignal): Promise<string | null> {
  const total = createHash('sha256');
  // Per find: the roots in order, each with its start points.
  const groups: Array<Array<{ root: string; starts: string[] }>> = [[], []];
  const counts = [0, 0];
  try {
    for (const root of roots) {
      const top = fs.lstatSync(root, { bigint: true });
      total.update(statLine(root, top));
      if (!top.isDirectory()) continue;
      const names = fs.readdirSync(root, { encoding: 'buffer' }).sort(Buffer.compare);
      const mine = groups.map((group) => group[group.push({ root, starts: [] }) - 1]!);
      for (const bytes of names) {
        const name = bytes.toString('utf8');
        if (!Buffer.from(name, 'utf8').equals(bytes)) return null;
        const file = path.join(root, name);
        const stat = fs.lstatSync(file, { bigint: true });
        // A mount point at the top would be a start point find enters; its line is taken here instead.
        if (stat.dev !== top.dev || !stat.isDirectory()) total.update(statLine(file, stat));
        else {
          const g = counts[0]! <= counts[1]! ? 0 : 1;
          counts[g]!++;
          mine[g]!.starts.push(name);
        }
      }
    }
  } catch {
    return null;
  }
  if (counts[0]! + counts[1]! > MAX_STARTS) return null;
  const hashes = groups.map(() => createHash('sha256'));
  const lists = async (i: number): Promise<boolean> => {
    for (const { root, starts } of groups[i]!) if (starts.length > 0 && !(await runFind(root, starts, hashes[i]!, signal))) return false;
    return true;
  };
  if ((await Promise.all([lists(0), lists(1)])).includes(false)) return null;
  for (const hash of hashes) total.update(hash.digest());
  return total.digest('hex');
}
