// Builds ext4 images and GPT/DOS raw disks from a directory tree with mkfs -d, sfdisk and dd: no mounts, no loop devices.
import { execa } from 'execa';
import { promises as fs } from 'node:fs';

const MiB = 1024 * 1024;
const ESP_SIZE = 8 * MiB;
const SWAP_SIZE = 8 * MiB;
export const GPT_ESP_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
export const GPT_LINUX_TYPE = '0fc63daf-8483-4772-8e79-3d69d8477de4';

export interface FixturePartition {
  number: number;
  offset: number;
  size: number;
  /** Lowercase GPT type GUID or DOS hex type, as probe.ts reports it. */
  type: string;
  fstype: string | null;
}

export interface DiskFixture {
  file: string;
  table: 'gpt' | 'dos';
  partitions: FixturePartition[];
  /** Number of the partition holding the ext4 copy of the tree. */
  root: number;
}

export interface Ext4Image {
  file: string;
  size: number;
}

async function duNumber(args: string[]): Promise<number> {
  const { stdout } = await execa('du', args);
  return Number(stdout.split(/\s/)[0]);
}

/** Whether mkfs.vfat (dosfstools) is installed; without it the EFI partition is left blank. */
export async function hasMkfsVfat(): Promise<boolean> {
  const result = await execa('mkfs.vfat', ['--help'], { reject: false, stdin: 'ignore' });
  return result.exitCode !== undefined;
}

/** A bare ext4 filesystem in file holding a copy of tree (owners, modes, links, xattrs), sized from du plus margin. */
export async function makeExt4Image(tree: string, file: string, label = 'root', uuid?: string): Promise<Ext4Image> {
  const used = await duNumber(['-s', '-B1', tree]);
  const inodes = await duNumber(['-s', '--inodes', tree]);
  const size = Math.ceil((used * 1.25 + 32 * MiB) / MiB) * MiB;
  await fs.rm(file, { force: true });
  await execa(
    'mkfs.ext4',
    ['-q', '-F', '-b', '4096', '-N', String(Math.ceil(inodes * 1.25) + 1024), '-L', label, ...(uuid ? ['-U', uuid] : []), '-d', tree, file, `${size / MiB}M`],
    { stdin: 'ignore' },
  );
  return { file, size };
}

export async function blankFile(file: string, size: number): Promise<void> {
  await fs.rm(file, { force: true });
  const handle = await fs.open(file, 'w', 0o600);
  await handle.truncate(size);
  await handle.close();
}

/** Copies a partition image into the disk at a MiB-aligned byte offset, keeping holes. */
export async function copyAt(part: string, disk: string, offset: number): Promise<void> {
  if (offset % MiB !== 0) throw new Error(`offset ${offset} is not MiB aligned`);
  await execa('dd', [`if=${part}`, `of=${disk}`, 'bs=1M', `seek=${offset / MiB}`, 'conv=notrunc,sparse', 'status=none']);
}

export async function partitionDisk(file: string, size: number, script: string): Promise<void> {
  await blankFile(file, size);
  await execa('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', file], { input: script });
}

/** GPT disk: 1 = 8 MiB EFI system partition (vfat if dosfstools is installed, else blank), 2 = ext4 copy of tree. */
export async function makeGptDisk(tree: string, file: string): Promise<DiskFixture> {
  const rootImage = await makeExt4Image(tree, `${file}.p2.ext4`);
  const espOffset = MiB;
  const rootOffset = espOffset + ESP_SIZE;
  try {
    // The backup GPT needs 33 sectors at the end; leave a whole MiB.
    await partitionDisk(
      file,
      rootOffset + rootImage.size + MiB,
      `label: gpt\nstart=${espOffset / 512}, size=${ESP_SIZE / 512}, type=uefi, name="EFI System"\n` +
        `start=${rootOffset / 512}, size=${rootImage.size / 512}, type=linux, name="root"\n`,
    );
    let espFs: string | null = null;
    if (await hasMkfsVfat()) {
      const esp = `${file}.p1.vfat`;
      await blankFile(esp, ESP_SIZE);
      await execa('mkfs.vfat', ['--mbr=n', '-n', 'EFI', esp], { stdin: 'ignore' });
      await copyAt(esp, file, espOffset);
      await fs.rm(esp, { force: true });
      espFs = 'vfat';
    }
    await copyAt(rootImage.file, file, rootOffset);
    return {
      file,
      table: 'gpt',
      root: 2,
      partitions: [
        { number: 1, offset: espOffset, size: ESP_SIZE, type: GPT_ESP_TYPE, fstype: espFs },
        { number: 2, offset: rootOffset, size: rootImage.size, type: GPT_LINUX_TYPE, fstype: 'ext4' },
      ],
    };
  } finally {
    await fs.rm(rootImage.file, { force: true });
  }
}

/** DOS (MBR) disk: 1 = 8 MiB swap (mkswap), 2 = ext4 copy of tree. */
export async function makeDosDisk(tree: string, file: string): Promise<DiskFixture> {
  const rootImage = await makeExt4Image(tree, `${file}.p2.ext4`);
  const swapOffset = MiB;
  const rootOffset = swapOffset + SWAP_SIZE;
  const swap = `${file}.p1.swap`;
  try {
    await partitionDisk(
      file,
      rootOffset + rootImage.size,
      `label: dos\nstart=${swapOffset / 512}, size=${SWAP_SIZE / 512}, type=82\n` +
        `start=${rootOffset / 512}, size=${rootImage.size / 512}, type=83\n`,
    );
    await blankFile(swap, SWAP_SIZE);
    await execa('mkswap', ['--label', 'swap', swap], { stdin: 'ignore' });
    await copyAt(swap, file, swapOffset);
    await copyAt(rootImage.file, file, rootOffset);
    return {
      file,
      table: 'dos',
      root: 2,
      partitions: [
        { number: 1, offset: swapOffset, size: SWAP_SIZE, type: '82', fstype: 'swap' },
        { number: 2, offset: rootOffset, size: rootImage.size, type: '83', fstype: 'ext4' },
      ],
    };
  } finally {
    await fs.rm(rootImage.file, { force: true });
    await fs.rm(swap, { force: true });
  }
}
