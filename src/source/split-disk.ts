// A disk whose system tree spans partitions: what the VM's own fstab mounts on /boot, /usr, /var, /opt and /home becomes a stacked source, as the VM sees it.
import { ModuleError } from '../core/errors.js';
import { findDevice } from './fstab-device.js';
import { addsFromDisk, isSystemDir, parseFstab, subvolumeOption, type FstabEntry } from './fstab.js';
import { CONTAINERS, type Partition } from './probe.js';
import type { PartitionSource, ResolvedSource } from './kinds.js';

/** What the namespace worker read from the mounted root partition (see mount/fstab-files.ts). */
export interface FstabFiles {
  /** The root's etc/fstab; null when it has none. */
  root: string | null;
  /** With no etc/fstab at the top: each top-level directory's etc/fstab (btrfs subvolumes such as Ubuntu's @). */
  subvolumes: { dir: string; text: string }[];
}

/** What to do about a partition ltsp_image does not open, by its blkid signature. */
const OPEN_IT: Record<string, string> = {
  LVM2_member: 'an LVM physical volume: activate its volume group on this host (vgchange -ay VG) and give the logical volume',
  crypto_LUKS: 'LUKS-encrypted: open it on this host (cryptsetup open --readonly) and give /dev/mapper/NAME',
  zfs_member: 'a ZFS pool member: import the pool read-only on this host (zpool import -o readonly=on) and give the dataset\'s directory',
  linux_raid_member: 'a RAID member: assemble the array on this host (mdadm --assemble --readonly) and give /dev/mdN',
  bcache: 'a bcache backing device: attach it on this host and give /dev/bcacheN',
};

function refusal(root: ResolvedSource, entry: FstabEntry, why: string, what = 'its content (a directory)'): ModuleError {
  return new ModuleError(
    `Option name: ${root.path}: the VM's etc/fstab mounts /${entry.where} from "${entry.line}", which ${why}; ` +
      `give ${what} as a stacked source (${root.spec},,/PATH,subdir=${entry.where}) or change the VM's fstab`,
  );
}

/** The root's fstab and the subvolume it lives in: on btrfs, the one whose own fstab mounts it on / (subvol=@). */
function rootFstab(root: ResolvedSource, files: FstabFiles): { text: string; subvol: string | null } | null {
  const ownSubvol = (text: string) => {
    const entry = parseFstab(text).find((e) => e.where === '');
    return entry ? subvolumeOption(entry) : null;
  };
  if (files.root !== null) return { text: files.root, subvol: ownSubvol(files.root) };
  const matching = files.subvolumes.filter((s) => ownSubvol(s.text) === `subvol=${s.dir}`);
  if (matching.length > 1) {
    const dirs = matching.map((s) => s.dir).join(', ');
    throw new ModuleError(`Option name: ${root.path} holds several root subvolumes (${dirs}); name the one to build with ${root.spec},subvol=NAME`);
  }
  return matching[0] ? { text: matching[0].text, subvol: `subvol=${matching[0].dir}` } : null;
}

function partitionSource(root: PartitionSource, entry: FstabEntry, part: Partition): PartitionSource {
  const subvol = subvolumeOption(entry);
  if (!part.fstype) throw refusal(root, entry, `is partition ${part.number}, where blkid finds no filesystem`);
  if (CONTAINERS.includes(part.fstype)) {
    throw refusal(root, entry, `is partition ${part.number}, ${OPEN_IT[part.fstype] ?? `a ${part.fstype} container ltsp_image does not open`}`, 'that');
  }
  const { spec, path, format, chain } = root;
  return {
    spec, path, kind: 'disk', fstype: part.fstype, partition: part.number, offset: part.offset, sizelimit: part.size, subdir: entry.where,
    options: subvol ? [subvol] : [], fstab: entry.line, ...(format ? { format } : {}), ...(chain ? { chain } : {}),
  };
}

/**
 * A disk where no partition holds a system's etc/fstab but one is a volume ltsp_image does not open: the VM's root is
 * most likely inside it (an installer's LUKS or LVM root beside a plain /boot), and the first usable partition alone
 * would be an image without the system. Naming the partition (partition=N) builds that one as it is.
 */
export function closedRootRefusal(root: ResolvedSource, partitions: Partition[]): ModuleError | null {
  const closed = partitions.filter((p) => p.fstype !== null && CONTAINERS.includes(p.fstype));
  if (closed.length === 0) return null;
  const named = closed.map((p) => `partition ${p.number} is ${OPEN_IT[p.fstype!] ?? `a ${p.fstype} container ltsp_image does not open`}`).join('; ');
  return new ModuleError(
    `Option name: ${root.path}: no partition holds a system with an etc/fstab, and ${named}; ` +
      `give the root's filesystem (or its mounted directory) as the source, or name the partition to build as it is with ${root.spec},partition=N`,
  );
}

/**
 * The sources with the root partition's fstab applied: the root mounted in its own subvolume, then each partition
 * the VM mounts under a system directory, parents first. A directory the user stacks a source on (subdir=) is
 * theirs, with all below it; one the excludes empty (`home/*`) is not mounted at all.
 */
/** Whether the files read from a partition include a root's fstab: it is the VM's root partition. */
export function holdsRoot(root: ResolvedSource, files: FstabFiles): boolean {
  return rootFstab(root, files) !== null;
}

export function applyFstab(sources: ResolvedSource[], partitions: Partition[], files: FstabFiles, excluded: (where: string) => boolean): ResolvedSource[] {
  const [root, ...stacked] = sources;
  if (root?.kind !== 'disk') return sources;
  const found = rootFstab(root, files);
  if (!found) return sources;
  const entries = parseFstab(found.text);
  const userSubvol = root.options.some((o) => o.startsWith('subvol=') || o.startsWith('subvolid='));
  const rooted = found.subvol && !userSubvol ? { ...root, options: [...root.options, found.subvol] } : root;
  const rootDevice = entries.find((e) => e.where === '')?.device;
  const taken = (where: string) => stacked.some((s) => where === s.subdir || where.startsWith(`${s.subdir}/`));
  const mounts = entries
    .filter((e) => e.where !== '' && isSystemDir(e.where) && addsFromDisk(e) && !taken(e.where) && !excluded(e.where))
    .sort((a, b) => a.where.split('/').length - b.where.split('/').length);
  const added: ResolvedSource[] = [];
  for (const entry of mounts) {
    const match = findDevice(entry.device, partitions, rootDevice);
    if ('partition' in match) added.push(partitionSource(rooted, entry, match.partition));
    else if (!entry.options.includes('nofail')) throw refusal(rooted, entry, match.missing);
  }
  return [rooted, ...added, ...stacked];
}

/** `home/*` empties /home in the image: the partition the VM mounts there is never read. A parent's `dir/*` counts too. */
export function emptiedBy(excludes: string[]): (where: string) => boolean {
  const patterns = new Set(excludes);
  return (where) => where.split('/').some((_, i, parts) => patterns.has(`${parts.slice(0, i + 1).join('/')}/*`));
}
