// Finds each source on disk the way `ltsp image` looks them up, and tells a chroot directory from a raw disk or a filesystem file.
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from '../core/errors.js';
import { statIfAny, UNREACHABLE } from '../fs/stat.js';
import { checkImageName, deriveImageName } from './image-name.js';
import { choosePartition, probeFile, type Partition, type Probe } from './probe.js';
import { parseSourceSpecs, type SourceSpec } from './spec.js';
import { hostTree, type FilesystemSource, type PartitionSource, type ResolvedSource } from './kinds.js';
import { vmDisk, type VmFormat } from './vm-disk.js';
import { serveRaw } from './vm-serve.js';

export type { ResolvedSource, SourceKind } from './kinds.js';

export interface ResolvedSources {
  imageName: string;
  sources: ResolvedSource[];
  /** The first source's disk when it is partitioned: where its etc/fstab's other mounts are looked for. */
  disk: DiskLayout | null;
}

export interface DiskLayout {
  partitions: Partition[];
  /** The root partition was named with partition=N, not taken as the first usable one. */
  given: boolean;
}

const statOrNull = (p: string) => statIfAny(p, UNREACHABLE);

function isDir(p: string): boolean {
  return statOrNull(p)?.isDirectory() ?? false;
}

function isFile(p: string): boolean {
  return statOrNull(p)?.isFile() ?? false;
}

function exists(p: string): boolean {
  return statOrNull(p) !== undefined;
}

function isPath(spec: string): boolean {
  return spec.startsWith('/') || spec.startsWith('.');
}

/** The reference's search order for a simple name. */
function lookupSimpleName(name: string, baseDir: string, cwd: string): string {
  const candidates = [
    (p: string) => isDir(path.join(p, 'proc')) && p,
    () => isFile(path.join(baseDir, `${name}.img`)) && path.join(baseDir, `${name}.img`),
    () => isFile(path.join(baseDir, 'images', `${name}.img`)) && path.join(baseDir, 'images', `${name}.img`),
    (p: string) => exists(p) && p,
    () => exists(path.join(cwd, name)) && path.join(cwd, name),
  ];
  for (const candidate of candidates) {
    const found = candidate(path.join(baseDir, name));
    if (found) return found;
  }
  throw new ModuleError(`Image does not exist: ${name} (looked for ${baseDir}/${name}, ${baseDir}/${name}.img, ${baseDir}/images/${name}.img and ./${name})`);
}

function locate(spec: SourceSpec, index: number, baseDir: string, cwd: string, first: ResolvedSource | undefined): string {
  if (isPath(spec.spec)) return path.resolve(cwd, spec.spec);
  if (index === 0) {
    if (spec.spec.includes('/')) {
      throw new ModuleError(`Option name: ${JSON.stringify(spec.spec)} is neither a simple name nor a path; start paths with / or ./`);
    }
    return lookupSimpleName(spec.spec, baseDir, cwd);
  }
  const tree = first ? hostTree(first) : null;
  if (tree === null) {
    throw new ModuleError(`Option name: stacked source ${spec.spec} must be an absolute path when the first source is not a directory`);
  }
  return path.join(tree, spec.spec);
}

/** The partitions of the raw disk a VM disk holds; messages name the VM disk, not the daemon's view of it. */
async function probeServed(located: string, format: VmFormat): Promise<Probe> {
  const served = await serveRaw(located, format, true);
  try {
    return { ...(await probeFile(served.path)), path: located };
  } catch (error) {
    if (error instanceof ModuleError) throw new ModuleError(error.message.replaceAll(served.path, `${located} (${format})`));
    throw error;
  } finally {
    await served.stop();
  }
}

async function classify(spec: SourceSpec, located: string): Promise<{ source: ResolvedSource; disk: DiskLayout | null }> {
  const stat = statOrNull(located);
  const base = { spec: spec.spec, path: located, options: spec.options, ...(spec.subdir ? { subdir: spec.subdir } : {}) };
  if (!stat) {
    const lstat = located.length < 4096 ? fs.lstatSync(located, { throwIfNoEntry: false }) : undefined;
    if (lstat?.isSymbolicLink()) throw new ModuleError(`Image source ${located} is a dangling or looping symlink: point it at a chroot directory or a disk image`);
    throw new ModuleError(`Image does not exist: ${located}`);
  }
  if (stat.isDirectory()) return { source: { ...base, kind: 'directory' }, disk: null };
  if (!stat.isFile() && !stat.isBlockDevice()) {
    throw new ModuleError(`Image source ${located} is neither a directory nor a disk image file: give a chroot directory, a raw disk or a filesystem image`);
  }
  const vm = stat.isFile() ? await vmDisk(located) : null;
  const probe = vm ? await probeServed(located, vm.format) : await probeFile(located);
  const file = { ...base, ...(vm ? { format: vm.format, chain: vm.files } : {}) };
  if (probe.kind === 'filesystem') {
    if (spec.partition) throw new ModuleError(`Option name: partition=${spec.partition} given, but ${located} is a bare ${probe.fstype} filesystem without a partition table`);
    const source: FilesystemSource = { ...file, kind: 'filesystem', fstype: spec.fstype ?? probe.fstype };
    return { source, disk: null };
  }
  const part = choosePartition(probe, spec.partition);
  const fstype = spec.fstype ?? part.fstype;
  if (!fstype) throw new ModuleError(`Partition ${part.number} of ${located} has no recognisable filesystem; give fstype=TYPE or another partition=N`);
  const source: PartitionSource = { ...file, kind: 'disk', fstype, partition: part.number, offset: part.offset, sizelimit: part.size };
  return { source, disk: { partitions: probe.partitions, given: spec.partition !== undefined } };
}

export async function resolveSources(name: string, baseDir: string, imageName: string | null | undefined, cwd = process.cwd()): Promise<ResolvedSources> {
  const specs = parseSourceSpecs(name);
  const sources: ResolvedSource[] = [];
  let disk: DiskLayout | null = null;
  for (const [index, spec] of specs.entries()) {
    const classified = await classify(spec, locate(spec, index, baseDir, cwd, sources[0]));
    sources.push(classified.source);
    if (index === 0) disk = classified.disk;
  }
  const first = sources[0]!;
  const chosen = imageName ?? deriveImageName(isPath(specs[0]!.spec) ? first.path : specs[0]!.spec, hostTree(first) === null);
  return { imageName: checkImageName(chosen, imageName ? 'image_name' : 'name'), sources, disk };
}
