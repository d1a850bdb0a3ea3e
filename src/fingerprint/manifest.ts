// Manifest files: the sorted lines behind a fingerprint, written and read as gzip streams so a million entries never sit in memory, and compared to say what changed.
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { comparePaths, printablePath } from './entry.js';
import { readHeader } from './manifest-header.js';
import { splitLine } from './manifest-line.js';
import { fsyncPath } from '../fs/fsync.js';
import { EXCLUSIVE, tempPathFor } from '../fs/temp-file.js';

/** Writes gzip text to a temporary file beside `file` and renames it into place on commit, so readers never see half a file. */
export class GzipFileWriter {
  private readonly temp: string;
  private readonly gzip = zlib.createGzip({ level: 1, chunkSize: 1 << 16 });
  private readonly out: fs.WriteStream;
  /** Settles when the file stream ends or fails; a stalled write waits on it too. */
  private readonly done: Promise<void>;

  constructor(private readonly file: string) {
    this.temp = tempPathFor(file);
    // Opened here with O_EXCL|O_NOFOLLOW; the stream owns the descriptor and closes it.
    this.out = fs.createWriteStream(this.temp, { fd: fs.openSync(this.temp, EXCLUSIVE, 0o600) });
    this.gzip.pipe(this.out);
    this.done = finished(this.out);
    // Errors surface in commit(); until then these only keep them from going unhandled.
    this.done.catch(() => undefined);
    this.gzip.on('error', (error) => this.out.destroy(error));
  }

  /** Appends bytes (or latin1 text); resolves when the stream can take more. The writer keeps the buffer. */
  async write(data: Buffer | string): Promise<void> {
    if (!this.gzip.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)) {
      await Promise.race([new Promise((resolve) => this.gzip.once('drain', resolve)), this.done]);
    }
  }

  async commit(): Promise<void> {
    this.gzip.end();
    await this.done;
    // Renamed into place only once on disk: a power cut must not leave a named but empty manifest.
    fsyncPath(this.temp);
    await fs.promises.rename(this.temp, this.file);
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    // The file is opened asynchronously: removing it before the stream has closed could race its creation.
    await this.done.catch(() => undefined);
    await fs.promises.rm(this.temp, { force: true });
  }
}

/** No manifest or cache line is this long (a path is at most 4096 bytes, escaped at most 4 times that). */
const LONGEST_LINE = 1 << 20;

/** A gzip bomb or runaway file stops here: real manifests decompress to far less than 64 times their size. */
function decompressionLimit(file: string): number {
  return 64 * fs.statSync(file).size + (64 << 20);
}

/**
 * The lines of a gzip text file (latin1), a chunk's worth at a time, in time linear in its size: a line
 * split over chunks is joined once. Throws on a line or a decompressed total beyond any real manifest.
 */
export async function* readLines(file: string): AsyncGenerator<string[]> {
  const limit = decompressionLimit(file);
  let total = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  for await (const chunk of fs.createReadStream(file).pipe(zlib.createGunzip({ chunkSize: 1 << 16 }))) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new Error(`${file} decompresses to more than ${limit} bytes; it is not a manifest`);
    const text = (chunk as Buffer).toString('latin1');
    if (!text.includes('\n')) {
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength > LONGEST_LINE) throw new Error(`${file} has a line longer than ${LONGEST_LINE} bytes; it is not a manifest`);
      continue;
    }
    const lines = text.split('\n');
    if (pending.length) lines[0] = pending.join('') + lines[0];
    const rest = lines.pop()!;
    pending = rest ? [rest] : [];
    pendingLength = rest.length;
    yield lines;
  }
  if (pending.length) yield [pending.join('')];
}

/** The previous manifest cannot be read (empty, corrupt, a bomb): what changed is unknown, which must never fail a run. */
export class UnreadableManifestError extends Error {
  constructor(file: string, cause: unknown) {
    super(`the previous manifest ${file} cannot be read (${cause instanceof Error ? cause.message : String(cause)}); drift unknown`);
    this.name = 'UnreadableManifestError';
  }
}

/** Reads a line stream one line at a time, with the header line (the first) kept apart. */
export class LineCursor {
  private lines: string[] = [];
  private next = 0;
  private header: string | undefined;

  constructor(private readonly source: AsyncIterator<string[]>) {}

  /** The next line when one is already read (no await), else null: then line() reads on. */
  lineSync(): string | null {
    if (this.header === undefined || this.next >= this.lines.length) return null;
    return this.lines[this.next++]!;
  }

  /** The next line, or undefined at the end. */
  async line(): Promise<string | undefined> {
    while (this.next >= this.lines.length) {
      const chunk = await this.source.next();
      if (chunk.done) return undefined;
      this.lines = chunk.value;
      this.next = 0;
    }
    const line = this.lines[this.next++]!;
    if (this.header !== undefined) return line;
    this.header = line;
    return this.line();
  }

  /** The header line, once the first line() has read past it. */
  get first(): string | undefined {
    return this.header;
  }
}

export interface DiffPart {
  count: number;
  /** The first `limit` paths, readable (see printablePath). */
  paths: string[];
}

export interface ManifestDiff {
  added: DiffPart;
  removed: DiffPart;
  modified: DiffPart;
}

/** How many paths of each kind (added, removed, modified) a drift names; the results' docs say the same number. */
export const DRIFT_PATHS = 20;

/** Which image paths two manifests disagree on, read side by side in their shared sort order; stops when `signal` aborts. */
export async function diffManifests(oldFile: string, newFile: string, limit = DRIFT_PATHS, signal?: AbortSignal): Promise<ManifestDiff> {
  const result: ManifestDiff = { added: { count: 0, paths: [] }, removed: { count: 0, paths: [] }, modified: { count: 0, paths: [] } };
  const note = (part: DiffPart, path: string): void => {
    if (part.count++ < limit) part.paths.push(printablePath(path));
  };
  const oldLines = new LineCursor(readLines(oldFile));
  const before = { line: () => oldLines.line().catch((error: unknown) => Promise.reject(new UnreadableManifestError(oldFile, error))) };
  const after = new LineCursor(readLines(newFile));
  let a = await before.line();
  let b = await after.line();
  // Lines of another format or compare mode differ everywhere without saying what changed: the drift is unknown.
  const headers = [oldLines.first, after.first].map((line) => (line === undefined ? null : readHeader(line)));
  if (!headers[0] || headers[0].format !== headers[1]?.format || headers[0].mode !== headers[1].mode) {
    throw new UnreadableManifestError(oldFile, new Error(`its header ${JSON.stringify(oldLines.first ?? '')} is not this run's ${JSON.stringify(after.first ?? '')}`));
  }
  for (let n = 0; a !== undefined || b !== undefined; n++) {
    if (n % 4096 === 0) signal?.throwIfAborted();
    const left = a === undefined ? undefined : splitLine(a);
    const right = b === undefined ? undefined : splitLine(b);
    const order = !left ? 1 : !right ? -1 : comparePaths(left.path, right.path);
    if (order < 0) {
      note(result.removed, left!.path);
      a = await before.line();
    } else if (order > 0) {
      note(result.added, right!.path);
      b = await after.line();
    } else {
      if (left!.value !== right!.value) note(result.modified, left!.path);
      a = await before.line();
      b = await after.line();
    }
  }
  return result;
}
