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

  /** How it is mounted now, if it is. */
  private mounted: 'rw' | 'ro' | null = null;

  static async make(dir: string, name = 'oracle', sizeMiB = 64): Promise<Ext4Loop> {
    const file = path.join(dir, `${name}.ext4`);
    const mountPoint = path.join(dir, name);
    fs.mkdirSync(mountPoint);
    // 256-byte inodes keep nanosecond times and room for xattrs in the inode; no lazy init, whose kernel thread writes after mount.
    await execa('mkfs.ext4', ['-q', '-F', '-I', '256', '-E', 'lazy_itable_init=0,lazy_journal_init=0', file, `${sizeMiB}M`], { stdin: 'ignore' });
    const { stdout } = await execa('losetup', ['--find', '--show', file]);
    const loop = new Ext4Loop(file, stdout.trim(), mountPoint);
    await loop.mount();
    return loop;
  }

  /** Mounts it as asked: a disk source is read-only (noload: no write at all to its file) but while a step writes it. */
  async mount(how: 'rw' | 'ro' = 'rw'): Promise<void> {
    if (this.mounted === how) return;
    await this.unmount();
    await execa('mount', ['-t', 'ext4', ...(how === 'ro' ? ['-o', 'ro,noload'] : []), this.device, this.mountPoint]);
    this.mounted = how;
  }

  /** Unmounts it and waits until no mount namespace holds it, so its file holds every write and nothing writes it. */
  async unmount(): Promise<void> {
    if (!this.mounted) return;
    await execa('umount', [this.mountPoint]);
    this.mounted = null;
    // Another mount namespace may still hold the filesystem for a moment (a run's worker going away).
    const live = `/sys/fs/ext4/${path.basename(this.device)}`;
    await waitFor(() => !fs.existsSync(live), `${this.device} to be unmounted everywhere`, 30_000);
    await execa('blockdev', ['--flushbufs', this.device]);
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
    const was = this.mounted;
    // debugfs must not write under a live kernel; the buffers are dropped before and after, so neither reads a block the other wrote from a stale cache.
    await this.unmount();
    try {
      await execa('debugfs', ['-w', '-f', '-', this.device], { input: `${script}\n` });
      await execa('blockdev', ['--flushbufs', this.device]);
    } finally {
      if (was) await this.mount(was);
    }
  }

  async remove(): Promise<void> {
    if (this.mounted) await execa('umount', [this.mountPoint], { reject: false });
    await execa('losetup', ['-d', this.device], { reject: false });
  }
}
