// Who on this server still holds an image file: open descriptors (nbd-server, a reader) and loop devices, matched by device and inode.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface FileKey {
  dev: number;
  ino: number;
}

const keyOf = (k: FileKey) => `${k.dev}:${k.ino}`;

/** The dev_t encoding of glibc's makedev, which Node's stat `dev` carries. */
function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor & ~0xff) * 4096 + Math.floor(major / 4096) * 2 ** 32;
}

function commandOf(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * Every process's descriptors, by readlink first: readlink never blocks on a hung NFS or FUSE target, so only links
 * whose file name is one of this image's names (`NAME.img...`, seen through any mount or bind, or deleted) are stat'ed.
 */
function openBy(keys: Map<string, string[]>, imageName: string): void {
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // the process ended, or is not ours to read
    }
    for (const fd of fds) {
      const link = `/proc/${pid}/fd/${fd}`;
      let target: string;
      try {
        target = fs.readlinkSync(link);
        if (!target.startsWith('/') || !path.basename(target).startsWith(imageName)) continue;
        const stat = fs.statSync(link);
        keys.get(keyOf(stat))?.push(`open by ${commandOf(pid)} (pid ${pid})`);
      } catch {
        continue; // closed while we looked
      }
    }
  }
}

/** Loop devices keep their backing inode even after every name of it is gone, so they are matched by inode, as losetup reports it. */
function loopsBacking(keys: Map<string, string[]>): void {
  const attached = fs.readdirSync('/sys/block').some((n) => n.startsWith('loop') && fs.existsSync(`/sys/block/${n}/loop/backing_file`));
  if (!attached) return;
  const run = spawnSync('losetup', ['--list', '--json', '--noheadings', '--output', 'NAME,BACK-INO,BACK-MAJ:MIN'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`losetup --list failed (${run.stderr.trim() || run.error?.message}); cannot tell whether an image backs a loop device`);
  const list = (JSON.parse(run.stdout) as { loopdevices: { name: string; 'back-ino': string | number; 'back-maj:min': string }[] }).loopdevices;
  for (const loop of list) {
    const [major, minor] = String(loop['back-maj:min']).split(':').map(Number);
    keys.get(keyOf({ dev: makedev(major!, minor!), ino: Number(loop['back-ino']) }))?.push(`backs ${loop.name}`);
  }
}

/** For each of an image's files (`NAME.img` is `image`), what holds it; an empty list when nothing does. */
export function holdersOf(files: string[], image: string): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  const byFile = new Map<string, string[]>();
  for (const file of files) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    const holders = byKey.get(keyOf(stat)) ?? [];
    byKey.set(keyOf(stat), holders);
    byFile.set(file, holders);
  }
  if (byKey.size === 0) return byFile;
  openBy(byKey, path.basename(image));
  loopsBacking(byKey);
  return byFile;
}
