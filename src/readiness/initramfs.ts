// Lists the paths in an initramfs (concatenated newc cpio archives, the last one maybe compressed) without unpacking it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

/** Compressed segments by magic: gzip is Node's own, the others go to the same tools initramfs-tools uses. */
const DECOMPRESSORS: { magic: number[]; argv: string[] | null }[] = [
  { magic: [0x1f, 0x8b], argv: null },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], argv: ['zstd', '-dcq'] },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a], argv: ['xz', '-dcq'] },
  { magic: [0x02, 0x21, 0x4c, 0x18], argv: ['lz4', '-dcq'] },
  { magic: [0x89, 0x4c, 0x5a, 0x4f], argv: ['lzop', '-dcq'] },
  { magic: [0x42, 0x5a, 0x68], argv: ['bzip2', '-dcq'] },
];

const HEADER = 110;
const TRAILER = 'TRAILER!!!';

const align4 = (n: number) => (n + 3) & ~3;

/**
 * A newc reader fed chunk by chunk: only headers and names are kept, file data is skipped as it passes, so a
 * 100-MB initramfs is listed without holding it. `end()` is where the archives stopped (a compressed segment).
 */
class CpioLister {
  readonly names: string[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;
  private offset = 0;
  private stopped: number | null = null;

  push(chunk: Buffer): void {
    let data = chunk;
    while (this.stopped === null && data.length > 0) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        this.offset += n;
        data = data.subarray(n);
        continue;
      }
      // Zero padding between archives (and after the last trailer).
      if (this.pending.length === 0 && data[0] === 0) {
        const n = data.findIndex((b) => b !== 0);
        const zeros = n < 0 ? data.length : n;
        this.offset += zeros;
        data = data.subarray(zeros);
        continue;
      }
      this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
      data = this.entry();
    }
  }

  /** Consumes one header and name from `pending` if it holds them whole; returns what is left of it. */
  private entry(): Buffer {
    const head = this.pending;
    if (head.length < 6) return Buffer.alloc(0);
    const magic = head.toString('latin1', 0, 6);
    if (magic !== '070701' && magic !== '070702') {
      this.stopped = this.offset;
      return Buffer.alloc(0);
    }
    if (head.length < HEADER) return Buffer.alloc(0);
    const field = (i: number) => parseInt(head.toString('latin1', 6 + i * 8, 14 + i * 8), 16);
    const nameEnd = align4(HEADER + field(11));
    if (head.length < nameEnd) return Buffer.alloc(0);
    const name = head.toString('utf8', HEADER, HEADER + field(11) - 1);
    if (name !== TRAILER) this.names.push(name.replace(/^\.?\//, ''));
    this.skip = align4(field(6));
    this.offset += nameEnd;
    this.pending = Buffer.alloc(0);
    return head.subarray(nameEnd);
  }

  /** Where the cpio archives ended; null when all of the input was cpio. */
  end(): number | null {
    return this.stopped;
  }
}

async function feed(stream: Readable, lister: CpioLister): Promise<void> {
  for await (const chunk of stream) {
    lister.push(chunk as Buffer);
    if (lister.end() !== null) break;
  }
}

async function decompressed(file: string, start: number, argv: string[] | null, lister: CpioLister): Promise<void> {
  const input = fs.createReadStream(file, { start });
  if (argv === null) return feed(input.pipe(zlib.createGunzip()), lister);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  input.pipe(child.stdin);
  // A pipe closed early (the tool failed) is reported by the exit status below, not as an EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await feed(child.stdout, lister);
  const code = await exited;
  // Trailing padding after the last frame is what the tools call garbage; what they decoded is still the listing.
  if (code !== 0 && lister.names.length === 0) throw new Error(`${argv[0]} could not decompress it: ${stderr.trim() || `exit ${code}`}`);
}

/** Every path the kernel would unpack from this initramfs, leading "./" and "/" dropped. */
export async function listInitramfs(file: string): Promise<string[]> {
  const early = new CpioLister();
  await feed(fs.createReadStream(file), early);
  const at = early.end();
  // initramfs-tools and dracut put the one compressed archive last, after the uncompressed early ones (microcode).
  if (at === null) return early.names;
  const fd = fs.openSync(file, 'r');
  const magic = Buffer.alloc(6);
  try {
    fs.readSync(fd, magic, 0, 6, at);
  } finally {
    fs.closeSync(fd);
  }
  const compressor = DECOMPRESSORS.find((d) => d.magic.every((byte, i) => magic[i] === byte));
  if (!compressor) throw new Error(`unknown data at byte ${at}`);
  const main = new CpioLister();
  await decompressed(file, at, compressor.argv, main);
  return [...early.names, ...main.names];
}
