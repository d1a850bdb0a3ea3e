// The initrd an LTSP client boots: Debian's ltsp.img, an archive of our own for /etc/ltsp, and the image's initrd, in iPXE's order.
import { execa } from 'execa';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CpioFile {
  /** Path inside the initramfs, relative (e.g. `etc/ltsp/ltsp.conf`). */
  path: string;
  content: string;
  mode: number;
}

/**
 * Runs Debian's `ltsp initrd` with its output in tftpDir and its temp dir under workDir, and returns the path
 * of ltsp.img. It packs this host's /etc/ltsp, passwd and group: override what the client must not see.
 */
export async function ltspInitrd(tftpDir: string, workDir: string): Promise<string> {
  const run = await execa('ltsp', [`--tftp-dir=${tftpDir}`, 'initrd'], {
    env: { TMPDIR: workDir },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  const image = path.join(tftpDir, 'ltsp', 'ltsp.img');
  if (run.exitCode !== 0) throw new Error(`ltsp --tftp-dir=${tftpDir} initrd failed (${run.shortMessage}):\n${run.all}`);
  return image;
}

/** Writes an uncompressed newc cpio owned by root:root, with the parent directories of every file. */
export async function writeCpio(files: CpioFile[], output: string, workDir: string): Promise<string> {
  const staging = await fs.mkdtemp(path.join(workDir, 'cpio-'));
  try {
    const names = new Set<string>();
    for (const file of files) {
      const parts = path.normalize(file.path).split(path.sep);
      if (path.isAbsolute(file.path) || parts.includes('..')) throw new Error(`cpio path must be relative: ${file.path}`);
      for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join('/'));
      names.add(parts.join('/'));
      const target = path.join(staging, file.path);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      await fs.writeFile(target, file.content);
      await fs.chmod(target, file.mode);
    }
    // Directories first, so the kernel's unpacker creates them before their files.
    const list = [...names].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    await execa('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0', '-O', output], { cwd: staging, input: `${list.join('\n')}\n` });
    return output;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Concatenates the archives into one file, as a boot loader hands several initrds to the kernel. */
export async function concatInitrds(parts: string[], output: string): Promise<string> {
  const out = createWriteStream(output, { mode: 0o600 });
  try {
    for (const part of parts) await pipeline(createReadStream(part), out, { end: false });
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return output;
}
