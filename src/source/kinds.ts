// A resolved source is one of a few kinds, each with one module that says how it is mounted, identified, locked and recorded: a kind that misses a step does not compile.
import { directoryKind } from './kind-directory.js';
import { filesystemKind } from './kind-filesystem.js';
import { partitionKind } from './kind-partition.js';
import type { VmFormat } from './vm-disk.js';

interface Common {
  /** As the user wrote it: a simple name, or a path. */
  spec: string;
  path: string;
  /** Where in the image root it is mounted; absent for the first source. */
  subdir?: string;
  /** Plain mount options, passed to mount -o. */
  options: string[];
}

/** A file whose content may come through qemu-storage-daemon (a VM disk format), from other files too. */
interface FileBacked extends Common {
  fstype: string;
  /** A VM disk format, read through qemu-storage-daemon; absent for a raw file. */
  format?: VmFormat;
  /** The other files a VM disk reads (backing files, extents), which its identity covers too. */
  chain?: string[];
}

/** A chroot directory, or `/`: walked, locked and read in place. */
export interface DirectorySource extends Common {
  kind: 'directory';
}

/** A partition of a raw or VM disk: a loop device at its offset. */
export interface PartitionSource extends FileBacked {
  kind: 'disk';
  partition: number;
  /** Byte offset and size of the partition inside the disk. */
  offset: number;
  sizelimit: number;
  /** The VM's fstab entry that mounts this partition, for a source that the first one's etc/fstab added (see split-disk.ts). */
  fstab?: string;
}

/** A bare filesystem file (ext4, squashfs, iso9660...), raw or in a VM disk format: a loop device over all of it. */
export interface FilesystemSource extends FileBacked {
  kind: 'filesystem';
}

export type ResolvedSource = DirectorySource | PartitionSource | FilesystemSource;
export type SourceKind = ResolvedSource['kind'];

/** How one source, as the build settings record it (and so its hash): the keys in this order, absent ones null. */
export interface RecordedSource {
  path: string;
  kind: string;
  subdir: string | null;
  partition: number | null;
  fstype: string | null;
  options: string[];
}

export interface KindModule<S extends ResolvedSource> {
  /** The tree on the host that is walked, locked and read in place; null for a source that only a mount shows. */
  hostTree(source: S): string | null;
  /** The files whose identity (size, mtime, inode) stands for the content in compare: mtime; none for a walked tree. */
  identityFiles(source: S): string[];
  /** mount(8)'s argv for the source read-only at target, reading `file` (a VM disk's raw view, else the source's path). */
  mountArgv(source: S, file: string, target: string): string[];
  recorded(source: S): RecordedSource;
  /** The options that name it again in `name` (partition=, fstype=), after its path. */
  specOptions(source: S): string[];
}

const KINDS: { [K in SourceKind]: KindModule<Extract<ResolvedSource, { kind: K }>> } = {
  directory: directoryKind,
  disk: partitionKind,
  filesystem: filesystemKind,
};

export function kindOf<S extends ResolvedSource>(source: S): KindModule<S> {
  return KINDS[source.kind] as unknown as KindModule<S>;
}

export const hostTree = (source: ResolvedSource): string | null => kindOf(source).hostTree(source);
export const identityFiles = (source: ResolvedSource): string[] => kindOf(source).identityFiles(source);
