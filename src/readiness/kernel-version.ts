// A kernel's version decides which initrd, modules and config belong to it: read from its boot header, else its file name.
import fs from 'node:fs';
import path from 'node:path';

/** The x86 boot protocol's header: "HdrS" at 0x202, the version string's offset (minus 0x200) at 0x20E. */
const HEADER_MAGIC = 0x53726448;
const HEADER_BYTES = 64 * 1024;

function fromHeader(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    const read = fs.readSync(fd, head, 0, HEADER_BYTES, 0);
    if (read < 0x210 || head.readUInt32LE(0x202) !== HEADER_MAGIC) return null;
    const start = head.readUInt16LE(0x20e) + 0x200;
    if (start >= read) return null;
    const end = head.indexOf(0, start);
    const text = head.subarray(start, end < 0 ? read : end).toString('latin1');
    const version = text.split(' ')[0] ?? '';
    return /^[0-9][\w.+~-]*$/.test(version) ? version : null;
  } finally {
    fs.closeSync(fd);
  }
}

/** `vmlinuz-6.1.0-18-amd64` (and `vmlinux-`, `bzImage-`, `kernel-`) name their version after the first dash. */
function fromName(file: string): string | null {
  const match = /^(?:vmlinu[xz]|bzImage|kernel)-(\d[\w.+~-]*)$/.exec(path.basename(file));
  return match ? match[1]! : null;
}

/** `file` is the real kernel file (symlinks resolved); null when neither its header nor its name says. */
export function kernelVersion(file: string): string | null {
  return fromHeader(file) ?? fromName(file);
}
