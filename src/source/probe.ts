// Tells a raw disk image from a bare filesystem image, and finds its partitions, without loop devices or mounts.
import { promises as fs } from 'node:fs';
import { ModuleError, hasCode } from '../core/errors.js';
import { blkidProbe, sfdiskTable, type SfdiskPartition, type SfdiskTable } from './blkid.js';

export interface Partition {
  number: number;
  /** Bytes from the start of the file. */
  offset: number;
  /** Bytes. */
  size: number;
  /** GPT type GUID lowercased, or the DOS type in hex like '83'. */
  type: string;
  /** What blkid found inside, e.g. 'ext4', 'vfat', 'swap'; null when it found nothing. */
  fstype: string | null;
  /** How a VM's fstab may name it: only the names it has. */
  ids: PartitionIds;
}

export interface PartitionIds {
  /** The filesystem's UUID= and LABEL=, as blkid reads them. */
  uuid?: string;
  label?: string;
  /** PARTUUID= and PARTLABEL=, from the partition table. */
  partuuid?: string;
  partlabel?: string;
}

/** `path` is the probed file, set by probeFile; it only makes error messages name the file. */
export type Probe =
  | { kind: 'disk'; table: 'gpt' | 'dos'; partitions: Partition[]; path?: string }
  | { kind: 'filesystem'; fstype: string; path?: string };

export const GPT_ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
export const GPT_SWAP = '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f';
const DOS_ESP = 'ef';
const DOS_SWAP = '82';
const DOS_EXTENDED = ['5', 'f', '85'];
/** Signatures of containers that hold a filesystem but cannot be mounted as one. */
export const CONTAINERS = ['LVM2_member', 'crypto_LUKS', 'linux_raid_member', 'zfs_member', 'bcache'];

/** A dos partition's PARTUUID is the disk identifier and its number in two hex digits, as the kernel and blkid spell it. */
function partitionIds(tags: Record<string, string>, part: SfdiskPartition, table: SfdiskTable, number: number): PartitionIds {
  const ids: PartitionIds = {};
  if (tags.UUID) ids.uuid = tags.UUID;
  if (tags.LABEL) ids.label = tags.LABEL;
  if (table.label === 'gpt' && part.uuid) ids.partuuid = part.uuid.toLowerCase();
  if (table.label === 'dos' && table.id) ids.partuuid = `${table.id.replace(/^0x/, '').padStart(8, '0')}-${number.toString(16).padStart(2, '0')}`.toLowerCase();
  if (part.name) ids.partlabel = part.name;
  return ids;
}

function partitionNumber(part: SfdiskPartition, device: string | undefined, index: number): number {
  const node = part.node ?? '';
  const tail = device && node.startsWith(device) ? node.slice(device.length).replace(/^p/, '') : node;
  const match = /(\d+)$/.exec(tail);
  return match ? Number(match[1]) : index + 1;
}

async function probeDisk(path: string, table: 'gpt' | 'dos'): Promise<Probe> {
  const sf = await sfdiskTable(path);
  if (sf.label !== table) {
    throw new ModuleError(`blkid sees a ${table} partition table in ${path} but sfdisk sees ${sf.label}; repair the disk image`);
  }
  const sector = sf.sectorsize ?? 512;
  const partitions = await Promise.all(
    (sf.partitions ?? []).map(async (part, index): Promise<Partition> => {
      const offset = part.start * sector;
      const size = part.size * sector;
      const type = part.type.toLowerCase();
      const extended = table === 'dos' && DOS_EXTENDED.includes(type);
      const tags = extended || size === 0 ? {} : await blkidProbe(path, { offset, size });
      const number = partitionNumber(part, sf.device, index);
      return { number, offset, size, type, fstype: tags.TYPE ?? null, ids: partitionIds(tags, part, sf, number) };
    }),
  );
  return { kind: 'disk', table, partitions, path };
}

/** Probes a regular file (or block device): a partitioned disk image, or a filesystem image. */
export async function probeFile(path: string): Promise<Probe> {
  try {
    const stat = await fs.stat(path);
    if (stat.isDirectory()) throw new ModuleError(`${path} is a directory, not a disk or filesystem image`);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) {
      throw new ModuleError(`${path} does not exist; give a chroot directory, a raw disk or a filesystem image`);
    }
    throw error;
  }
  const tags = await blkidProbe(path);
  // A hybrid ISO has both: its iso9660 filesystem spans the whole file, so the filesystem wins.
  if (tags.TYPE) return { kind: 'filesystem', fstype: tags.TYPE, path };
  if (tags.PTTYPE === 'gpt' || tags.PTTYPE === 'dos') return probeDisk(path, tags.PTTYPE);
  if (tags.PTTYPE) {
    throw new ModuleError(
      `${path} has a ${tags.PTTYPE} partition table, which is not supported; convert it to a gpt or dos (MBR) disk image`,
    );
  }
  throw new ModuleError(
    `Cannot recognise ${path} as a disk image or filesystem (blkid found nothing); give a chroot directory, a raw disk or a filesystem image (a qcow2, VDI or VMDK disk needs qemu-utils installed)`,
  );
}

/** Why a partition is not picked automatically, or null when it holds a mountable filesystem. */
function unusable(part: Partition): string | null {
  if (part.type === GPT_ESP || part.type === DOS_ESP) return 'EFI';
  if (part.fstype === 'swap' || part.type === GPT_SWAP || part.type === DOS_SWAP) return 'swap';
  if (DOS_EXTENDED.includes(part.type)) return 'extended';
  if (part.fstype === null) return 'no filesystem';
  if (CONTAINERS.includes(part.fstype)) return part.fstype;
  return null;
}

/** The partitions that may hold the root, in disk order: not EFI, swap, an extended partition or a container. */
export function usablePartitions(partitions: Partition[]): Partition[] {
  return partitions.filter((part) => unusable(part) === null);
}

/** The partition numbered `wanted`; else the first one that is not EFI, swap, or without a mountable filesystem. */
export function choosePartition(probe: Probe, wanted?: number): Partition {
  const where = probe.path ?? 'the disk image';
  if (probe.kind !== 'disk') {
    throw new ModuleError(
      `${where} is a bare ${probe.fstype} filesystem without a partition table; drop partition=${wanted ?? 'N'}`,
    );
  }
  const numbers = probe.partitions.map((part) => part.number).join(', ');
  if (wanted !== undefined) {
    if (!Number.isInteger(wanted) || wanted < 1) {
      throw new ModuleError(`partition=${wanted} is not a partition number; use a whole number from 1 (${where} has partitions ${numbers || 'none'})`);
    }
    const found = probe.partitions.find((part) => part.number === wanted);
    if (!found) throw new ModuleError(`partition=${wanted} not found in ${where} (it has partitions ${numbers || 'none'})`);
    return found;
  }
  const usable = usablePartitions(probe.partitions)[0];
  if (usable) return usable;
  const reasons = probe.partitions.map((part) => unusable(part)).join(', ');
  const found = probe.partitions.length === 0 ? 'found 0' : `found ${probe.partitions.length} (${reasons})`;
  throw new ModuleError(`No usable partition in ${where}: ${found}; name one with partition=N`);
}

/**
 * Read-only mount options: `noload` keeps ext3/ext4 from replaying (writing) a journal on a read-only source, and
 * `rescue=nologreplay` lets btrfs mount a disk a VM left with a log to replay, which a read-only device refuses.
 */
export function mountOptionsFor(fstype: string): string {
  if (['ext2', 'ext3', 'ext4'].includes(fstype)) return 'ro,noload';
  return fstype === 'btrfs' ? 'ro,rescue=nologreplay' : 'ro';
}
