// Flushes a file's data, or a directory's entries after a rename, to disk, so a publish or swap survives a power cut.
import fs from 'node:fs';

export function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
