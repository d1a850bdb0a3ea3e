// Reads a file an admin names as configuration (ltsp.conf, an excludes list): what it says runs as root, so only text root alone could have written is used, read once from a descriptor that cannot block.
import fs from 'node:fs';
import { ModuleError, errorCode } from './errors.js';

/** Far above any real ltsp.conf or excludes list (a few KiB), far below what would hurt a run. */
const CONFIG_MAX_BYTES = 1 << 20;

/** What a file that is not a regular file is, for the message. */
function kind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'of an unknown type';
}

/**
 * Who may own it: root, or the user the module runs as (only root in real use; a run as another user gains nothing
 * from a file that user could write anyway), as sshd's StrictModes allows. Nobody else may write it.
 */
function trustProblem(file: string, stat: fs.Stats): string | null {
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  const owned = stat.uid === 0 || stat.uid === process.geteuid?.();
  const fixes = [...(owned ? [] : [`chown root:root ${file}`]), ...(stat.mode & 0o022 ? [`chmod go-w ${file}`] : [])];
  if (!fixes.length) return null;
  const who = owned ? `is writable by group or others (mode ${mode})` : `is owned by uid ${stat.uid} (mode ${mode}), not by root`;
  // ltsp.conf(5) suggests `install -m 0660 -g sudo` so that sudo users edit it without sudo: sudoedit does that safely.
  const edit = stat.mode & 0o020 ? ', then edit it with sudoedit' : '';
  return `${file} ${who}, so it is not trusted: its settings run as root; run: ${fixes.join('; ')}${edit}`;
}

/** Up to one byte past the cap, so a file that grew since fstat (or a /proc file, which says size 0) is caught too. */
function readCapped(fd: number): Buffer {
  const buffer = Buffer.alloc(CONFIG_MAX_BYTES + 1);
  let length = 0;
  for (;;) {
    const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    length += n;
    if (n === 0 || length === buffer.length) return buffer.subarray(0, length);
  }
}

/**
 * The text of `file`, from one descriptor: opened without blocking (a FIFO, a device, a tty), checked by fstat on that
 * descriptor (regular, at most 1 MiB, trusted), read once with the same cap. A symlink is followed, as sudo follows
 * one: the file it ends at is the one checked. option names the file's option and fix says what else to give, for the message.
 */
export function readConfigFile(file: string, option: string, fix: string): string {
  const cannotRead = (error: unknown) => new ModuleError(`Option ${option}: cannot read ${file} (${errorCode(error) ?? 'error'}); ${fix}`, { cause: error });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new ModuleError(`Option ${option}: ${file} is ${kind(stat)}, not a regular file; ${fix}`);
    const problem = trustProblem(file, stat);
    if (problem) throw new ModuleError(`Option ${option}: ${problem}`);
    const tooBig = `Option ${option}: ${file} is larger than 1 MiB, far more than any such file needs; ${fix}`;
    if (stat.size > CONFIG_MAX_BYTES) throw new ModuleError(tooBig);
    let text: Buffer;
    try {
      text = readCapped(fd);
    } catch (error) {
      throw cannotRead(error);
    }
    if (text.length > CONFIG_MAX_BYTES) throw new ModuleError(tooBig);
    return text.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
