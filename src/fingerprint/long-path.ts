// Node's fs takes whole paths, which the kernel refuses past PATH_MAX: an entry deeper than that is reached from an open descriptor of its directory, through /proc/self/fd.
import fs from 'node:fs';

/** PATH_MAX less its NUL: the longest path a system call takes. */
export const LONGEST_PATH = 4095;

/** The directory last opened for a deep path: its entries come in a row, so one descriptor serves them all. */
let held: { dir: Buffer; fd: number } | null = null;

const viaFd = (fd: number): Buffer => Buffer.from(`/proc/self/fd/${fd}/`);

function tooLong(dir: Buffer): Error {
  return Object.assign(new Error(`ENAMETOOLONG: a path component cannot be reached in ${dir.subarray(0, 120).toString('latin1')}...`), { code: 'ENAMETOOLONG' });
}

/** Opens an absolute directory path of any length, as many components at a time as fit in one system call. */
function openDeep(dir: Buffer): number {
  let fd = -1;
  let at = 0;
  while (at < dir.length) {
    const base = fd < 0 ? Buffer.alloc(0) : viaFd(fd);
    let end = dir.length;
    if (base.length + end - at > LONGEST_PATH) end = dir.lastIndexOf(0x2f, at + LONGEST_PATH - base.length);
    if (end <= at) {
      if (fd >= 0) fs.closeSync(fd);
      throw tooLong(dir);
    }
    let next: number;
    try {
      next = fs.openSync(Buffer.concat([base, dir.subarray(at, end)]), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    fd = next;
    at = end + 1;
  }
  return fd;
}

/**
 * A path the kernel takes for `whole` (absolute, as bytes): itself when it fits, else `/proc/self/fd/N/NAME` with N
 * its directory, opened step by step. Use it at once, before any await: the next deep path may close N.
 */
export function reachable(whole: Buffer): Buffer {
  if (whole.length <= LONGEST_PATH) return whole;
  const slash = whole.lastIndexOf(0x2f);
  const dir = whole.subarray(0, slash);
  if (!held || !held.dir.equals(dir)) {
    releaseDeepPaths();
    held = { dir: Buffer.from(dir), fd: openDeep(dir) };
  }
  return Buffer.concat([viaFd(held.fd), whole.subarray(slash + 1)]);
}

/** Closes the held directory (a walk's end), so that no descriptor keeps a source's mount busy. */
export function releaseDeepPaths(): void {
  if (held) fs.closeSync(held.fd);
  held = null;
}
