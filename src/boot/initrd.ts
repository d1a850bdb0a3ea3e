// The one initrd QEMU loads: the parts concatenated in iPXE's order (ltsp.img, our archive, the image's initrd), as a boot loader hands them over.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export async function concatInitrds(parts: string[], output: string): Promise<string> {
  const out = createWriteStream(output, { mode: 0o600, flags: 'wx' });
  try {
    for (const part of parts) await pipeline(createReadStream(part), out, { end: false });
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return output;
}
