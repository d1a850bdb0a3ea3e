// Content checksums for checksum-mode fingerprints, remembered per file version so an unchanged file is read once, not on every run.
import fs from 'node:fs';
import { sha256Fd } from '../fs/sha256.js';
import { comparePaths, printablePath, type Entry } from './entry.js';
import { TreeChangedError } from './listing.js';
import { reachable } from './long-path.js';
import { escapePath, splitLine } from './manifest-line.js';
import { GzipFileWriter, LineCursor, readLines } from './manifest.js';
import { errorCode } from '../core/errors.js';

const HEADER = 'ltsp-image-checksums 1';
const VANISHED = ['ENOENT', 'ELOOP', 'ENXIO', 'ENOTDIR'];

/**
 * sha256 (hex) of a regular file of a source tree. O_NOFOLLOW and O_NONBLOCK: a file swapped for a symlink is
 * never read through, and one swapped for a FIFO or device never blocks the open; either is a tree that changed.
 */
export async function sha256TreeFile(path: Buffer, signal?: AbortSignal): Promise<string> {
  let fd: number;
  try {
    fd = fs.openSync(reachable(path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error) ?? '';
    if (VANISHED.includes(code)) throw new TreeChangedError(`${printablePath(path.toString('latin1'))} vanished or became a symlink (${code})`);
    throw error;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new TreeChangedError(`${printablePath(path.toString('latin1'))} is no longer a regular file`);
    return await sha256Fd(fd, signal);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What must be unchanged for a remembered checksum to still hold: the inode and its size, mtime
 * and ctime, at the same path. The device number is left out: a disk-image source is mounted
 * on a new loop device each run, and with the path, inode and both times matching it adds nothing.
 */
function identity(e: Entry): string {
  return `${e.ino} ${e.size} ${e.mtimeSec}.${e.mtimeNsec} ${e.ctimeSec}.${e.ctimeNsec}`;
}

/**
 * The previous run's checksums, read alongside the walk, and this run's, written the same
 * way. Entries are kept in image path order with their path, which lets both files stream in
 * bounded memory; a checksum is reused only when the identity (inode, size, mtime and ctime
 * in ns) matches too. Racily clean files are never written (see fingerprint.ts). While this
 * run's lines repeat the previous run's one for one, nothing is written: an unchanged tree
 * (every nightly no-op) leaves the file as it is, and the first difference copies the lines
 * that matched from the old file before going on.
 */
export class ChecksumCache {
  private readonly old: LineCursor | null;
  private current: { path: string; value: string; line: string } | undefined;
  private started = false;
  private out: GzipFileWriter | null = null;
  private text = '';
  /** Old lines read so far (the current one included), and how many of them this run repeated in order. */
  private consumed = 0;
  private repeated = 0;

  private constructor(private readonly file: string) {
    this.old = fs.existsSync(file) ? new LineCursor(readLines(file)) : null;
  }

  /** Opens the cache at `file` (it need not exist yet); the new contents replace it on commit(). */
  static open(file: string): ChecksumCache {
    return new ChecksumCache(file);
  }

  /**
   * The remembered checksum of this file version; lookups must come in image path order. Answers
   * without a promise when the old lines it needs are already read: a no-op asks once per file.
   */
  lookup(e: Entry): string | undefined | Promise<string | undefined> {
    if (!this.old) return undefined;
    if (!this.started) return this.lookupAsync(e);
    const path = e.path;
    while (this.current && comparePaths(this.current.path, path) < 0) {
      if (!this.advanceSync()) return this.lookupAsync(e);
    }
    if (!this.out && this.consumed - (this.current ? 1 : 0) > this.repeated) return this.lookupAsync(e);
    return this.match(e, path);
  }

  /** Remembers the checksum lookup() just gave, unchanged: the old line again. */
  keep(): void | Promise<void> {
    const line = this.current!.line;
    if (!this.out && this.consumed === this.repeated + 1) {
      this.repeated++;
      return;
    }
    return this.append(line);
  }

  /** Remembers a checksum for the next run. */
  remember(e: Entry, sha256: string): Promise<void> {
    return this.append(`${escapePath(e.path)}\t${identity(e)} ${sha256}`);
  }

  private async lookupAsync(e: Entry): Promise<string | undefined> {
    if (!this.started) {
      this.started = true;
      await this.advance();
    }
    while (this.current && comparePaths(this.current.path, e.path) < 0) await this.advance();
    if (!this.out && this.consumed - (this.current ? 1 : 0) > this.repeated) await this.diverge();
    return this.match(e, e.path);
  }

  private match(e: Entry, path: string): string | undefined {
    if (!this.current || this.current.path !== path) return undefined;
    const space = this.current.value.lastIndexOf(' ');
    if (this.current.value.slice(0, space) !== identity(e)) return undefined;
    return this.current.value.slice(space + 1);
  }

  private async append(line: string): Promise<void> {
    if (!this.out) {
      if (this.current?.line === line && this.consumed === this.repeated + 1) {
        this.repeated++;
        return;
      }
      await this.diverge();
    }
    this.text += `${line}\n`;
    if (this.text.length > 1 << 16) await this.flush();
  }

  async commit(): Promise<void> {
    if (!this.out && this.old) {
      // Old lines past the last one repeated (removed files) are a difference too.
      if (!this.started) {
        this.started = true;
        await this.advance();
      }
      if (this.current && this.consumed === this.repeated) await this.advance();
      if (this.current || this.consumed > this.repeated) await this.diverge();
      if (!this.out) return;
    }
    this.out ??= this.start();
    await this.flush();
    await this.out.commit();
  }

  async abort(): Promise<void> {
    await this.out?.abort();
  }

  private start(): GzipFileWriter {
    const out = new GzipFileWriter(this.file);
    this.text = `${HEADER}\n${this.text}`;
    return out;
  }

  /** This run's lines differ from here on: the new file starts with the old lines repeated so far. */
  private async diverge(): Promise<void> {
    this.out = this.start();
    if (this.repeated === 0) return;
    const kept = new LineCursor(readLines(this.file));
    for (let i = 0; i < this.repeated; i++) {
      this.text += `${(await kept.line())!}\n`;
      if (this.text.length > 1 << 16) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const text = this.text;
    this.text = '';
    await this.out!.write(text);
  }

  private async advance(): Promise<void> {
    this.step(await this.old!.line().catch(() => undefined));
  }

  /** advance() when the next line is already read; false when it is not. */
  private advanceSync(): boolean {
    const line = this.old!.lineSync();
    if (line === null) return false;
    this.step(line);
    return true;
  }

  private step(line: string | undefined): void {
    if (line !== undefined) this.consumed++;
    this.current = line === undefined ? undefined : { ...splitLine(line), line };
  }
}
