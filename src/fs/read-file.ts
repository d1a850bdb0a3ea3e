// Reads a small file we wrote (a state record) without following a symlink or blocking on a FIFO planted at its name.
import fs from 'node:fs';

const MAX = 16 << 20;

/** The file's text; a symlink, FIFO, directory or device at the name fails with an error code instead. */
export function readRegularFile(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'not a regular file' });
    if (stat.size > MAX) throw Object.assign(new Error(`${file} is too large`), { code: 'larger than 16 MiB' });
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
