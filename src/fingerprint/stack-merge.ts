// Combines the walks of stacked sources into the one tree the image shows: a source mounted at a prefix covers what the sources below it hold there.
import { comparePaths, type Entry } from './entry.js';

// Entries handed on at a time: per-entry awaits downstream would cost more than the merge.
const BATCH = 2048;

/** Pulls entries one at a time from a batched walk. */
class Reader {
  private batch: Entry[] = [];
  private next = 0;
  current: Entry | undefined;

  constructor(private readonly walk: AsyncIterator<Entry[]>) {}

  /** Lets the walk clean up (stop its find processes) when the merge ends early. */
  async close(): Promise<void> {
    await this.walk.return?.();
  }

  async advance(): Promise<void> {
    while (this.next >= this.batch.length) {
      const result = await this.walk.next();
      if (result.done) {
        this.current = undefined;
        return;
      }
      this.batch = result.value;
      this.next = 0;
    }
    this.current = this.batch[this.next++];
  }
}

/**
 * Merges walks that each come in image path order into one walk in that order. On a path
 * more than one walk yields (a stacked source's root and the directory it is mounted on),
 * the later walk wins, as the later mount does in the image.
 */
export async function* mergeWalks(walks: ReadonlyArray<AsyncIterable<Entry[]>>): AsyncGenerator<Entry[]> {
  if (walks.length === 1) {
    yield* walks[0]!;
    return;
  }
  const readers = walks.map((walk) => new Reader(walk[Symbol.asyncIterator]()));
  try {
    yield* merged(readers);
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

async function* merged(readers: Reader[]): AsyncGenerator<Entry[]> {
  for (const reader of readers) await reader.advance();
  let out: Entry[] = [];
  for (;;) {
    let best: Reader | undefined;
    for (const reader of readers) {
      if (!reader.current) continue;
      if (!best || comparePaths(reader.current.path, best.current!.path) <= 0) best = reader;
    }
    if (!best) break;
    const winner = best.current!;
    for (const reader of readers) {
      if (reader.current && reader.current.path === winner.path) await reader.advance();
    }
    out.push(winner);
    if (out.length >= BATCH) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
