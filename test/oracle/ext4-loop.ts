// A small ext4 filesystem on a loop device the oracle keeps for its whole run: debugfs can set an inode's ctime (no syscall can) while it is unmounted, and the same device keeps the same st_dev.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../helpers/settle.js';

export class Ext4Loop {
  private constructor(
    readonly file: string,
    readonly device: string,
    /** Where it is mounted. */
    readonly mountPoint: string,
  ) {}

  static async make(dir: string, sizeMiB = 64): Promise<Ext4Loop> {
    const file = path.join(dir, 'oracle.ext4');
    const mountPoint = path.join(dir, 'mnt');
    fs.mkdirSync(mountPoint);
    // 256-byte inodes keep nanosecond times and room for xattrs in the inode; no lazy init, whose kernel thread writes after mount.
    await execa('mkfs.ext4', ['-q', '-F', '-I', '256', '-E', 'lazy_itable_init=0,lazy_journal_init=0', file, `${sizeMiB}M`], { stdin: 'ignore' });
    const { stdout } = await execa('losetup', ['--find', '--show', file]);
    const loop = new Ext4Loop(file, stdout.trim(), mountPoint);
    await loop.mount();
    return loop;
  }

  private async mount(): Promise<void> {
    await execa('mount', ['-t', 'ext4', this.device, this.mountPoint]);
  }

  /** Sets the ctime (seconds since the epoch, and nanoseconds) of each path, given relative to the mount point. */
  async setCtimes(changes: ReadonlyArray<{ rel: string; sec: number; nsec: number }>): Promise<void> {
    if (changes.length === 0) return;
    const script = changes
      .flatMap(({ rel, sec, nsec }) => {
        // debugfs quotes with double quotes; the oracle's names never hold one.
        const where = `"/${rel}"`;
        // ctime_extra: nanoseconds above two epoch bits (zero until 2038).
        return [`sif ${where} ctime @${sec}`, `sif ${where} ctime_extra ${nsec * 4}`];
      })
      .join('\n');
    await execa('umount', [this.mountPoint]);
    // Another mount namespace may still hold the filesystem for a moment (a run's worker going away): debugfs must not write under a live kernel.
    const live = `/sys/fs/ext4/${path.basename(this.device)}`;
    await waitFor(() => !fs.existsSync(live), `${this.device} to be unmounted everywhere`, 30_000);
    try {
      // Dropped before and after: neither the kernel nor debugfs may read a block the other wrote from a stale cache.
      await execa('blockdev', ['--flushbufs', this.device]);
      await execa('debugfs', ['-w', '-f', '-', this.device], { input: `${script}\n` });
      await execa('blockdev', ['--flushbufs', this.device]);
    } finally {
      await this.mount();
    }
  }

  async remove(): Promise<void> {
    await execa('umount', [this.mountPoint], { reject: false });
    await execa('losetup', ['-d', this.device], { reject: false });
  }
}
