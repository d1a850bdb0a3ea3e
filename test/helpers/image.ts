// Reads what a squashfs image holds (unsquashfs), and snapshots host state, so tests compare real images and prove nothing leaked.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { mountsUnder, RUN_MARK, SCRATCH_ROOT } from './tmp.js';
import { waitFor } from './settle.js';

export interface ImageEntry {
  mode: string;
  owner: string;
  size: string;
  target?: string;
}

/** unsquashfs -lln, keyed by image-relative path ('' is the root). */
export async function listImage(image: string): Promise<Map<string, ImageEntry>> {
  const { stdout } = await execa('unsquashfs', ['-lln', '-d', '', image], { encoding: 'utf8' });
  const entries = new Map<string, ImageEntry>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S{10}) (\d+\/\d+)\s+(\S+) \d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(line);
    if (!m) continue;
    let name = m[4]!;
    let target: string | undefined;
    if (m[1]!.startsWith('l')) [name, target] = name.split(' -> ') as [string, string];
    entries.set(name.replace(/^\/?/, ''), { mode: m[1]!, owner: m[2]!, size: m[3]!, ...(target !== undefined ? { target } : {}) });
  }
  return entries;
}

export async function imagePaths(image: string): Promise<string[]> {
  return [...(await listImage(image)).keys()].sort();
}

/** Unpacks an image for content checks. */
export async function unpackImage(image: string, dir: string): Promise<string> {
  await execa('unsquashfs', ['-no-progress', '-quiet', '-d', dir, image]);
  return dir;
}

/** Every regular file under dir whose bytes contain one of the needles; names are read as bytes, so any name is searched. */
export function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const base = Buffer.from(dir);
  const walk = (d: Buffer) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      const full = Buffer.concat([d, Buffer.from('/'), entry.name]);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const content = fs.readFileSync(full);
        const rel = full.subarray(base.length + 1).toString('latin1');
        for (const needle of needles) if (content.includes(needle)) hits.push(`${rel}: ${needle.slice(0, 30)}`);
      }
    }
  };
  walk(base);
  return hits;
}

/**
 * Metadata and content of every entry: equal digests mean the tree was not modified. Without dirTimes, a
 * directory whose entries came and went (a temp file made and removed) still counts as unchanged.
 */
export async function treeDigest(dir: string, options: { dirTimes?: boolean } = {}): Promise<string> {
  const format = options.dirTimes === false ? '%P\\0%y %m %U %G %s %l\\0' : '%P\\0%y %m %U %G %s %T@ %l\\0';
  const { stdout } = await execa('find', [dir, '-printf', format], { encoding: 'buffer' });
  const hash = crypto.createHash('sha256').update(stdout);
  if (options.dirTimes === false) hash.update((await execa('find', [dir, '!', '-type', 'd', '-printf', '%P %T@\\0'], { encoding: 'buffer' })).stdout);
  const files = Buffer.from(stdout).toString('latin1').split('\0');
  for (let i = 0; i + 1 < files.length; i += 2) {
    if (files[i + 1]!.startsWith('f ')) hash.update(fs.readFileSync(path.join(dir, Buffer.from(files[i]!, 'latin1').toString())));
  }
  return hash.digest('hex');
}

export interface HostSnapshot {
  mounts: string[];
  loops: string[];
  processes: string[];
  workDirs: string[];
}

/** Our builds' processes: those whose environment carries this test process's mark (see test/setup.ts). */
function markedProcesses(): string[] {
  const mark = Buffer.from(`${RUN_MARK}=${process.env[RUN_MARK]}\0`);
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`).includes(mark)) continue;
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (/mksquashfs|ltsp-namespace-worker|unshare --mount|bundle\/ltsp_image|qemu-system|qemu-storage-daemon|setpriv/.test(args)) found.push(args);
    } catch {
      // The process ended while we looked.
    }
  }
  return found.sort();
}

/**
 * What the runs of this test process could leave: their marked processes, mounts and loop devices under this
 * checkout's scratch dirs, and work dirs in this test process's own TMPDIR. Other builds on the machine are not ours.
 */
export async function hostSnapshot(): Promise<HostSnapshot> {
  const ours = (file: string) => file === SCRATCH_ROOT || file.startsWith(`${SCRATCH_ROOT}/`);
  const mounts = (await mountsUnder(SCRATCH_ROOT)).sort();
  const listed = await execa('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { reject: false });
  const devices = listed.stdout ? (JSON.parse(listed.stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices : [];
  // A VM disk's loop device reads the daemon's view of it, /proc/PID/root/FILE.
  const loops = devices.filter((d) => ours((d['back-file'] ?? '').replace(/ \(deleted\)$/, '').replace(/^\/proc\/\d+\/root\//, '/'))).map((d) => `${d.name} ${d['back-file']}`).sort();
  const workDirs = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('ltsp-image')).sort();
  return { mounts, loops, processes: markedProcesses(), workDirs };
}

/**
 * Nothing mounted, looped, left running or left in /tmp by the runs since `before`. After a SIGKILL the work dir can
 * only be removed by the next run: `workDirs: false` leaves it out.
 */
export async function assertNothingLeaked(before: HostSnapshot, { workDirs = true } = {}): Promise<void> {
  let after = await hostSnapshot();
  const settled = (s: HostSnapshot) => s.processes.length <= before.processes.length && s.loops.length <= before.loops.length && s.mounts.length <= before.mounts.length;
  // The kernel frees an autoclear loop device shortly after the namespace holding its mount is gone; a killed namespace's
  // PID 1 takes a moment too. What is still there after that is reported by the assertions below, with its names.
  const gone = async () => settled((after = await hostSnapshot()));
  if (!settled(after)) await waitFor(gone, 'leftovers to go', 5000, 100).catch(() => undefined);
  assert.deepEqual(after.mounts, before.mounts, 'mounts changed');
  assert.deepEqual(after.loops, before.loops, 'loop devices changed');
  assert.deepEqual(after.processes, before.processes, 'processes left behind');
  if (workDirs) assert.deepEqual(after.workDirs, before.workDirs, 'work dirs left in /tmp');
}
