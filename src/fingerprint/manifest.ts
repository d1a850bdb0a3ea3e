// Manifest files: the sorted lines behind a fingerprint, written and read as gzip streams so a million entries never sit in memory, and compared to say what changed.
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { comparePaths, printablePath } from './entry.js';
import { splitLine } from './manifest-line.js';
import { EXCLUSIVE, tempPathFor } from '../store/temp-file.js';

/** Writes gzip text to a temporary file beside `file` and renames it into place on commit, so readers never see half a file. */
export class GzipFileWriter {
  private readonly temp: string;
  private readonly fd: number;
  private readonly gzip = zlib.createGzip({ level: 1, chunkSize: 1 << 16 });
  private readonly out: fs.WriteStream;
  /** Settles when the file stream ends or fails; a stalled write waits on it too. */
  private readonly done: Promise<void>;

  constructor(private readonly file: string) {
    this.temp = tempPathFor(file);
    this.fd = fs.openSync(this.temp, EXCLUSIVE, 0o600);
    this.out = fs.createWriteStream(this.temp, { fd: this.fd, autoClose: false });
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
    fs.fsyncSync(this.fd);
    this.close();
    await fs.promises.rename(this.temp, this.file);
  }

  private closed = false;

  private close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    // The file is opened asynchronously: removing it before the stream has closed could race its creation.
    await this.done.catch(() => undefined);
    this.close();
    await fs.promises.rm(this.temp, { force: true });
  }
}

/** The lines of a gzip text file (latin1), a chunk's worth at a time. */
export async function* readLines(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of fs.createReadStream(file).pipe(zlib.createGunzip())) {
    const lines = (rest + (chunk as Buffer).toString('latin1')).split('\n');
    rest = lines.pop()!;
    yield lines;
  }
  if (rest !== '') yield [rest];
}

/** Reads a line stream one line at a time, with the header line (the first) kept apart. */
export class LineCursor {
  private lines: string[] = [];
  private next = 0;
  private header: string | undefined;

  constructor(private readonly source: AsyncIterator<string[]>) {}

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

/** Which image paths two manifests disagree on, read side by side in their shared sort order. */
export async function diffManifests(oldFile: string, newFile: string, limit = 20): Promise<ManifestDiff> {
  const result: ManifestDiff = { added: { count: 0, paths: [] }, removed: { count: 0, paths: [] }, modified: { count: 0, paths: [] } };
  const note = (part: DiffPart, path: string): void => {
    if (part.count++ < limit) part.paths.push(printablePath(path));
  };
  const before = new LineCursor(readLines(oldFile));
  const after = new LineCursor(readLines(newFile));
  let a = await before.line();
  let b = await after.line();
  while (a !== undefined || b !== undefined) {
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
