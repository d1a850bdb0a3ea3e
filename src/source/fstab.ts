// Reads a VM's etc/fstab into the entries that shape its system tree: the root's subvolume, and what it mounts on /boot, /usr, /var, /opt, /home.
export interface FstabEntry {
  /** The first field as written: UUID=..., LABEL=..., /dev/sda2, server:/export, tmpfs. */
  device: string;
  /** Relative to the image root, '' for the root itself: 'boot', 'boot/efi', 'var'. */
  where: string;
  fstype: string;
  options: string[];
  /** The entry as it reads in fstab, for messages. */
  line: string;
}

/** The directories of a system tree that installers put on partitions of their own; what the VM mounts elsewhere is its data, not the image's. */
export const SYSTEM_DIRS = ['boot', 'usr', 'var', 'opt', 'home'] as const;

/** Filesystems the kernel makes in memory or from itself: the VM sees them empty or generated, never from this disk. */
const KERNEL_FILESYSTEMS = new Set(['tmpfs', 'ramfs', 'proc', 'sysfs', 'devpts', 'devtmpfs', 'efivarfs', 'securityfs', 'debugfs', 'tracefs', 'configfs', 'hugetlbfs', 'mqueue', 'bpf', 'pstore', 'cgroup', 'cgroup2', 'fusectl', 'binfmt_misc']);

/** fstab writes a space in a field as \040 (and a tab, a newline, a backslash likewise, in octal). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount point relative to the root, or null for one that is not a plain absolute path ('none', 'swap', one with '..'). */
function relative(mountPoint: string): string | null {
  if (!mountPoint.startsWith('/')) return null;
  const parts = mountPoint.split('/').filter(Boolean);
  if (parts.some((part) => part === '.' || part === '..')) return null;
  return parts.join('/');
}

export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [device, mountPoint, fstype = 'auto', options = 'defaults'] = line.split(/\s+/).map(unescape);
    const where = mountPoint === undefined ? null : relative(mountPoint);
    if (device === undefined || where === null) continue;
    entries.push({ device, where, fstype, options: options.split(','), line: line.replace(/\s+/g, ' ') });
  }
  return entries;
}

/** The EFI system partition boots the VM from its own disk, never a netbooted client; it stays out, as the first-partition probe leaves it out. */
const FIRMWARE_DIRS = ['boot/efi'];

const within = (where: string, dir: string) => where === dir || where.startsWith(`${dir}/`);

export function isSystemDir(where: string): boolean {
  return SYSTEM_DIRS.some((dir) => within(where, dir)) && !FIRMWARE_DIRS.some((dir) => within(where, dir));
}

/** Swap, `noauto` and kernel filesystems add nothing from the disk to the tree the VM boots with. */
export function addsFromDisk(entry: FstabEntry): boolean {
  return entry.fstype !== 'swap' && !entry.options.includes('noauto') && !KERNEL_FILESYSTEMS.has(entry.fstype);
}

/** The btrfs subvolume an entry mounts (subvol=@ and subvol=/@ alike), as a mount option to pass on; null for none. */
export function subvolumeOption(entry: FstabEntry): string | null {
  const option = entry.options.find((o) => o.startsWith('subvol=') || o.startsWith('subvolid='));
  if (!option) return null;
  return option.startsWith('subvol=') ? `subvol=${option.slice('subvol='.length).replace(/^\/+/, '')}` : option;
}
