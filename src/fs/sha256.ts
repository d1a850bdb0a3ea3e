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

function readInto(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buffer, 0, buffer.length, null, (error, read) => (error ? reject(error) : resolve(read))));
}

/**
 * A file of ours (an image, a kernel in TFTP): opened plainly, as any reader would. Big files only: the next
 * chunk is read in the thread pool while this one is hashed (about a quarter less time on an image here); the
 * checksum cache's many small files keep sha256Fd's plain reads.
 */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const fd = fs.openSync(file, 'r');
  const hash = createHash('sha256');
  const buffers = [Buffer.alloc(chunk.length), Buffer.alloc(chunk.length)];
  let reading = readInto(fd, buffers[0]!);
  try {
    for (let current = 0; ; current ^= 1) {
      const read = await reading;
      if (read === 0) return hash.digest('hex');
      reading = readInto(fd, buffers[current ^ 1]!);
      hash.update(buffers[current]!.subarray(0, read));
      signal?.throwIfAborted();
    }
  } finally {
    // A read still in flight must end before its descriptor is closed (and its number reused).
    await reading.catch(() => 0);
    fs.closeSync(fd);
  }
}
