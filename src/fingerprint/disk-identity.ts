// A disk file's identity line (name, size, mtime, inode, device): the fingerprint hashes it and the state file records it (sourceIdentities), so it is written and read here only.
import type { BigIntStats } from 'node:fs';

export interface DiskIdentity {
  file: string;
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  dev: bigint;
}

/** The name may hold a tab: the greedy name and the anchored fields still take the last tab as the separator. */
const LINE = /^(.*)\tsize=(\d+) mtime=(\d+) ino=(\d+) dev=(\d+)$/;

/** Byte for byte what recorded fingerprints cover: changing it rebuilds every image whose source is a disk file. */
export function identityLine(file: string, stat: Pick<BigIntStats, 'size' | 'mtimeNs' | 'ino' | 'dev'>): string {
  return `${file}\tsize=${stat.size} mtime=${stat.mtimeNs} ino=${stat.ino} dev=${stat.dev}`;
}

/** null for a line that is not an identity line. */
export function parseIdentityLine(line: string): DiskIdentity | null {
  const match = LINE.exec(line);
  if (!match) return null;
  const [, file, size, mtimeNs, ino, dev] = match as unknown as [string, string, string, string, string, string];
  return { file, size: BigInt(size), mtimeNs: BigInt(mtimeNs), ino: BigInt(ino), dev: BigInt(dev) };
}

/** A source's identity is one line per file it reads (a VM disk's backing files follow): the source is its first file. */
export function identityBlock(lines: string[]): string {
  return lines.join('\n');
}

/** The disk file a source's identity block names first, for drift to report; the block itself when it names none. */
export function sourceFileOf(block: string): string {
  return parseIdentityLine(block.split('\n')[0] ?? '')?.file ?? block;
}
