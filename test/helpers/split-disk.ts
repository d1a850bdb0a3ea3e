// Builds GPT disks whose tree spans partitions, as installers lay them out: each partition made from its part of a tree, the VM's fstab on the root.
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { blankFile, copyAt, makeExt4Image, partitionDisk } from './disk-fixtures.js';

const MiB = 1024 * 1024;

/** One partition: the tree's `where` ('' for the root) moved onto it, or a filesystem of its own kind. */
export interface SplitPartition {
  where: string;
  label: string;
  /** ext4 (the default): a copy of that part of the tree; luks: a LUKS container; vfat: an empty ESP with this volume id; btrfs: `subvolumes`. */
  kind?: 'ext4' | 'luks' | 'vfat' | 'btrfs';
  uuid?: string;
  /** btrfs: each subvolume's name and the part of the tree it holds, as Ubuntu's installer makes @ for / and @home for /home. */
  subvolumes?: Record<string, string>;
}

/** The parts of the tree a partition holds. */
function wheres(part: SplitPartition): string[] {
  if (part.kind === 'btrfs') return Object.values(part.subvolumes ?? {});
  return (part.kind ?? 'ext4') === 'ext4' ? [part.where] : [];
}

/** btrfs-progs 6.2 makes no subvolume at mkfs time: they are made, and filled, on a loop mount in a namespace of its own. */
async function btrfsImage(file: string, part: SplitPartition, trees: Map<string, string>): Promise<void> {
  await blankFile(file, 256 * MiB);
  await execa('mkfs.btrfs', ['-q', '-L', part.label, ...(part.uuid ? ['-U', part.uuid] : []), file]);
  const mnt = `${file}.mnt`;
  fs.mkdirSync(mnt);
  const pairs = Object.entries(part.subvolumes ?? {}).flatMap(([name, where]) => [name, trees.get(where)!]);
  const script = 'mount -o loop "$1" "$2"; m=$2; shift 2; while [ $# -gt 0 ]; do btrfs -q subvolume create "$m/$1"; cp -a "$2/." "$m/$1/"; shift 2; done; umount "$m"';
  await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', script, 'sh', file, mnt, ...pairs]);
  fs.rmdirSync(mnt);
}

async function luksImage(file: string): Promise<void> {
  await blankFile(file, 32 * MiB);
  await execa('cryptsetup', ['luksFormat', '--batch-mode', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file', '-', file], { input: 'secret' });
}

async function vfatImage(file: string, uuid: string): Promise<void> {
  await blankFile(file, 8 * MiB);
  await execa('mkfs.vfat', ['--mbr=n', '-i', uuid.replace('-', ''), file], { stdin: 'ignore' });
}

/** Moves `where` out of the root copy into a tree of its own, leaving the empty mount point as the VM's root has it. */
function split(rootCopy: string, where: string, to: string): void {
  const dir = path.join(rootCopy, where);
  fs.mkdirSync(dir, { recursive: true });
  const stat = fs.statSync(dir);
  fs.renameSync(dir, to);
  fs.mkdirSync(dir, { mode: stat.mode & 0o7777 });
  fs.chownSync(dir, stat.uid, stat.gid);
  fs.utimesSync(dir, stat.atime, stat.mtime);
}

/** A GPT disk holding `tree` over `parts`, in that order, with `fstab` as the root's etc/fstab; returns each partition's number by where. */
export async function makeSplitDisk(tree: string, file: string, parts: SplitPartition[], fstab: string): Promise<Map<string, number>> {
  const work = `${file}.parts`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  try {
    const rootCopy = path.join(work, 'root');
    await execa('cp', ['-a', tree, rootCopy]);
    const trees = new Map<string, string>([['', rootCopy]]);
    for (const [i, part] of parts.entries()) {
      for (const [j, where] of wheres(part).entries()) if (where) trees.set(where, path.join(work, `tree${i}-${j}`));
    }
    // Deepest first, so boot/efi leaves boot before boot itself moves.
    for (const [where, to] of [...trees].filter(([w]) => w).sort((a, b) => b[0].length - a[0].length)) split(rootCopy, where, to);
    fs.writeFileSync(path.join(rootCopy, 'etc/fstab'), fstab);
    const images: string[] = [];
    for (const [i, part] of parts.entries()) {
      const image = path.join(work, `p${i + 1}`);
      if (part.kind === 'luks') await luksImage(image);
      else if (part.kind === 'vfat') await vfatImage(image, part.uuid!);
      else if (part.kind === 'btrfs') await btrfsImage(image, part, trees);
      else await makeExt4Image(trees.get(part.where)!, image, part.label, part.uuid);
      images.push(image);
    }
    const sizes = images.map((image) => Math.ceil(fs.statSync(image).size / MiB) * MiB);
    const starts = sizes.map((_, i) => MiB + sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const script = parts.map((part, i) => `start=${starts[i]! / 512}, size=${sizes[i]! / 512}, type=${part.kind === 'vfat' ? 'uefi' : 'linux'}, name="${part.label}"`);
    await partitionDisk(file, starts.at(-1)! + sizes.at(-1)! + MiB, `label: gpt\n${script.join('\n')}\n`);
    for (const [i, image] of images.entries()) await copyAt(image, file, starts[i]!);
    return new Map(parts.map((part, i) => [part.where, i + 1]));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
