// Runs blkid and sfdisk on an image file and parses their output, so probe.ts can reason about plain data.
import { execa } from 'execa';
import { ModuleError, oneLine } from '../core/errors.js';

/** `blkid -o export` keys, e.g. { TYPE: 'ext4', UUID: '...' } or { PTTYPE: 'gpt' }; empty when blkid found nothing. */
export type BlkidTags = Record<string, string>;

export interface SfdiskPartition {
  start: number;
  size: number;
  type: string;
  node?: string;
  /** GPT only: the partition's own UUID and name (PARTUUID=, PARTLABEL= in fstab). */
  uuid?: string;
  name?: string;
}

export interface SfdiskTable {
  label: string;
  /** The disk identifier: a GUID for gpt, 0x-prefixed hex for dos (its partitions' PARTUUID is ID-NN). */
  id?: string;
  device?: string;
  sectorsize?: number;
  partitions?: SfdiskPartition[];
}

/** Exit code of `blkid -p` when it found no signature at all. */
const BLKID_NOTHING_FOUND = 2;
/** Exit code of `blkid -p` when several signatures contradict each other. */
const BLKID_AMBIVALENT = 8;

export function parseBlkidExport(stdout: string): BlkidTags {
  const tags: BlkidTags = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) tags[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return tags;
}

function missingTool(tool: string, pkg: string): ModuleError {
  return new ModuleError(`${tool} is not installed; install the ${pkg} package on the build host`);
}

function notFound(result: { failed: boolean; exitCode?: number }): boolean {
  return result.failed && result.exitCode === undefined && (result as { code?: unknown }).code === 'ENOENT';
}

function why(result: { stderr: string; exitCode?: number; signal?: string }): string {
  return oneLine(result.stderr) || (result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`);
}

/** Low-level probe of the whole file, or of the byte range offset..offset+size when given. */
export async function blkidProbe(file: string, range?: { offset: number; size: number }): Promise<BlkidTags> {
  const args = ['-p', '-o', 'export'];
  if (range) args.push('-O', String(range.offset), '-S', String(range.size));
  args.push(file);
  const result = await execa('blkid', args, { reject: false, stdin: 'ignore' });
  if (notFound(result)) throw missingTool('blkid', 'util-linux');
  if (result.exitCode === 0) return parseBlkidExport(result.stdout);
  if (result.exitCode === BLKID_NOTHING_FOUND) return {};
  const where = range ? ` at byte offset ${range.offset}` : '';
  if (result.exitCode === BLKID_AMBIVALENT) {
    throw new ModuleError(
      `blkid found several contradicting signatures in ${file}${where}; check it with wipefs -n and name the filesystem with fstype=TYPE`,
    );
  }
  throw new ModuleError(`blkid failed on ${file}${where}: ${why(result)}`);
}

export function parseSfdiskJson(stdout: string, file: string): SfdiskTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new ModuleError(`sfdisk --json printed something that is not JSON for ${file}; is util-linux too old?`);
  }
  const table = (parsed as { partitiontable?: SfdiskTable } | null)?.partitiontable;
  if (!table || typeof table.label !== 'string') {
    throw new ModuleError(`sfdisk --json found no partition table in ${file}`);
  }
  return table;
}

export async function sfdiskTable(file: string): Promise<SfdiskTable> {
  const result = await execa('sfdisk', ['--json', file], { reject: false, stdin: 'ignore' });
  if (notFound(result)) throw missingTool('sfdisk', 'fdisk');
  if (result.exitCode !== 0) {
    throw new ModuleError(`sfdisk cannot read the partition table of ${file}: ${why(result)}`);
  }
  return parseSfdiskJson(result.stdout, file);
}
