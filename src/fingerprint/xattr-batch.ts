// The xattr digests of a walk's entries, a batch at a time: the gate says which to read, one python3 process reads them.
import { printablePath, type Entry } from './entry.js';
import { TreeChangedError } from './listing.js';
import { XattrGate, type XattrOptions } from './xattr-gate.js';
import { readRecord, recordKey } from './xattr-record.js';
import { xattrDigest } from './xattr-digest.js';
import { XattrReader } from './xattrs.js';

const VANISHED = ['ENOENT', 'ENOTDIR', 'ELOOP'];

export class XattrBatches {
  private readonly gate: XattrGate;
  private readonly reader = new XattrReader();
  private readonly prefixes: ReadonlySet<string>;
  /** Entries whose xattrs were read, and entries that have some. */
  read = 0;
  found = 0;

  /** `roots` are the sources' directories, `prefixes` where they sit in the image. */
  constructor(private readonly options: XattrOptions, roots: readonly string[], prefixes: readonly string[], now: number) {
    this.prefixes = new Set(prefixes);
    const key = recordKey(roots);
    const old = options.record === null ? null : readRecord(options.record, key);
    this.gate = new XattrGate(old, key, now, options.record !== null && options.write);
  }

  /**
   * Each entry's digest (undefined: none), in batch order. A source's root and a mount point get none: they are
   * directories the overlay makes (see mount-sources.ts), so their xattrs never reach the image.
   */
  async digests(batch: readonly Entry[], fileOf: (e: Entry) => Buffer): Promise<Array<string | undefined>> {
    const skip = (e: Entry): boolean => e.mountPoint || (e.type === 'd' && this.prefixes.has(e.path));
    const out = new Array<string | undefined>(batch.length);
    const skipped = new Uint8Array(batch.length);
    const wanted: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (skip(e)) {
        skipped[i] = 1;
        continue;
      }
      const known = this.gate.known(e);
      if (known === 'read') wanted.push(i);
      else out[i] = known;
    }
    const paths = wanted.map((i) => fileOf(batch[i]!));
    const answers = await this.reader.read(paths);
    answers.forEach((answer, n) => {
      if ('error' in answer) {
        const where = printablePath(paths[n]!.toString('latin1'));
        if (VANISHED.includes(answer.error)) throw new TreeChangedError(`${where} vanished (${answer.error})`);
        throw new Error(`cannot read the extended attributes of ${where}: ${answer.error}`);
      }
      out[wanted[n]!] = xattrDigest(answer);
    });
    this.read += wanted.length;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (out[i] !== undefined) this.found++;
      if (!skipped[i]) this.gate.note(e, out[i]);
    }
    return out;
  }

  /** Keeps what this walk found for the next one, when allowed. */
  commit(): void {
    if (this.options.record !== null && this.options.write) this.gate.commit(this.options.writeTo ?? this.options.record);
  }

  close(): void {
    this.reader.close();
  }
}
