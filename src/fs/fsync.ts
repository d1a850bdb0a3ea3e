// Flushes a file's data, or a directory's entries after a rename, to disk, so a publish or swap survives a power cut.
import fs from 'node:fs';

export function fsyncPath(file: string): void {
  // O_NOFOLLOW: only ever our own file or directory, never what a symlink planted in its place points at.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The same flush in the thread pool, so the caller can read the file meanwhile (hash an image while it goes to disk). */
export async function fsyncPathAsync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
