// Finds the partition an fstab entry names among THIS disk's partitions only (never a device of the build host), or says why it is not there.
import type { Partition } from './probe.js';

/** The partition the VM would mount, or why there is none on this disk (a clause: "names no partition of this disk"). */
export type DeviceMatch = { partition: Partition } | { missing: string };

const BY_ID: Record<string, keyof Partition['ids']> = { UUID: 'uuid', LABEL: 'label', PARTUUID: 'partuuid', PARTLABEL: 'partlabel' };
const BY_PATH: Record<string, keyof Partition['ids']> = { 'by-uuid': 'uuid', 'by-label': 'label', 'by-partuuid': 'partuuid', 'by-partlabel': 'partlabel' };
/** UUIDs are hex, written in either case (vfat's ABCD-1234 too); labels are compared exactly. */
const ANY_CASE = new Set<keyof Partition['ids']>(['uuid', 'partuuid']);

/** /dev/sda2, /dev/vdb1, /dev/xvda3, /dev/nvme0n1p2, /dev/mmcblk0p1: the whole disk's name and the partition number. */
function deviceName(device: string): { disk: string; number: number } | null {
  const match = /^\/dev\/((?:[shv]d|xvd)[a-z]+)(\d+)$/.exec(device) ?? /^\/dev\/((?:nvme\d+n\d+|mmcblk\d+))p(\d+)$/.exec(device);
  return match ? { disk: match[1]!, number: Number(match[2]) } : null;
}

/** The first disk as each kind of virtual or real controller names it: the VM's own disk when fstab names its root by UUID. */
const FIRST_DISKS = new Set(['sda', 'vda', 'hda', 'xvda', 'nvme0n1', 'mmcblk0']);

function unquote(value: string): string {
  return /^"(.*)"$/.exec(value)?.[1] ?? value;
}

/** /dev/disk/by-label/ writes a space as \x20, as udev does. */
function udevUnescape(value: string): string {
  return value.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function byId(partitions: Partition[], key: keyof Partition['ids'], value: string, device: string): DeviceMatch {
  const same = (id: string | undefined) => id !== undefined && (ANY_CASE.has(key) ? id.toLowerCase() === value.toLowerCase() : id === value);
  const found = partitions.filter((part) => same(part.ids[key]));
  if (found.length === 1) return { partition: found[0]! };
  if (found.length > 1) return { missing: `matches partitions ${found.map((p) => p.number).join(' and ')} of this disk alike (cloned filesystems?)` };
  const known = partitions.filter((part) => part.ids[key]).map((part) => `${part.number} has ${key.toUpperCase()}=${part.ids[key]}`);
  return { missing: `names ${device}, but no partition of this disk has it (${known.join(', ') || `none has a ${key.toUpperCase()}`})` };
}

/**
 * `rootDevice`: the device the fstab mounts on / from; a device name (/dev/vdb3) is this disk only when it names the
 * same disk as the root's, or, with the root named otherwise, the VM's first disk.
 */
export function findDevice(device: string, partitions: Partition[], rootDevice: string | undefined): DeviceMatch {
  const tagged = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.*)$/.exec(device);
  if (tagged) return byId(partitions, BY_ID[tagged[1]!]!, unquote(tagged[2]!), device);
  const linked = /^\/dev\/disk\/(by-uuid|by-label|by-partuuid|by-partlabel)\/([^/]+)$/.exec(device);
  if (linked) return byId(partitions, BY_PATH[linked[1]!]!, udevUnescape(linked[2]!), device);
  const named = deviceName(device);
  if (named) {
    const rootDisk = rootDevice ? deviceName(rootDevice)?.disk : undefined;
    const onThisDisk = rootDisk ? named.disk === rootDisk : FIRST_DISKS.has(named.disk);
    if (!onThisDisk) return { missing: `names ${device}, a partition of another disk of the VM than the one given` };
    const partition = partitions.find((part) => part.number === named.number);
    return partition ? { partition } : { missing: `names partition ${named.number}, which this disk does not have` };
  }
  if (/^\/dev\/(mapper\/|md|dm-|zd)|^\/dev\/[^/]+\/[^/]+$/.test(device)) {
    return { missing: `names ${device}, a volume (LVM, LUKS, RAID or ZFS) that ltsp_image does not open` };
  }
  return { missing: `names ${device}, not a partition of this disk (a network or bind mount?)` };
}
