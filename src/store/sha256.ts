// sha256 of a file read in 1 MiB chunks: images and initrds are too big to read whole, and a long hash must still hear SIGTERM.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

const chunk = Buffer.alloc(1 << 20);

/** Between slices of a big file the event loop runs, so an abort (SIGTERM) is heard while gigabytes are hashed. */
const SLICE = 64 << 20;

/** Hashes an open file from its current offset to its end; the caller opens and closes it. */
export async function sha256Fd(fd: number, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let read: number;
  let sinceYield = 0;
  while ((read = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) {
    hash.update(chunk.subarray(0, read));
    if ((sinceYield += read) >= SLICE) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
  }
  return hash.digest('hex');
}

/** A file of ours (an image, a kernel in TFTP): opened plainly, as any reader would. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const fd = fs.openSync(file, 'r');
  try {
    return await sha256Fd(fd, signal);
  } finally {
    fs.closeSync(fd);
  }
}
