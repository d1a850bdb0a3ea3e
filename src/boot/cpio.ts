// A newc cpio archive written in-process: the kernel unpacks it over the initramfs, and no cpio(1) has to be installed on the server.
import fs from 'node:fs';

export interface CpioFile {
  /** Path inside the initramfs, relative (e.g. `etc/ltsp/ltsp.conf`). */
  path: string;
  content: string;
  mode: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

/** One newc entry: header, NUL-terminated name and data, each padded to 4 bytes; owned by root:root. */
function entry(name: string, mode: number, data: Buffer, ino: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex).join('')}`);
  return Buffer.concat([header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)]);
}

/** Parent directories first, so the kernel's unpacker creates them before their files. */
export function cpioArchive(files: CpioFile[]): Buffer {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    if (file.path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`cpio path must be relative and plain: ${file.path}`);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const parts: Buffer[] = [];
  let ino = 1;
  for (const dir of [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))) {
    parts.push(entry(dir, S_IFDIR | 0o755, Buffer.alloc(0), ino++));
  }
  for (const file of files) parts.push(entry(file.path, S_IFREG | file.mode, Buffer.from(file.content), ino++));
  parts.push(entry('TRAILER!!!', 0, Buffer.alloc(0), 0));
  return Buffer.concat(parts);
}

export function writeCpio(files: CpioFile[], output: string): string {
  fs.writeFileSync(output, cpioArchive(files), { mode: 0o600, flag: 'wx' });
  return output;
}
