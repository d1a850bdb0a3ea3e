// What the oracle compares: an image's bytes, the TFTP pair's bytes and modes, and (for the named exceptions) two images that differ in times only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { sha256File } from '../../src/fs/sha256.js';
import { linkAndXattrDifferences } from '../helpers/image-links.js';
import { unpackImage } from '../helpers/image.js';

export async function imageSha(file: string): Promise<string> {
  return fs.existsSync(file) ? sha256File(file) : 'absent';
}

/** The TFTP kernel and initrd as a client gets them: bytes and mode. */
export async function tftpState(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ['vmlinuz', 'initrd.img']) {
    const file = path.join(dir, name);
    const stats = fs.existsSync(file) ? fs.lstatSync(file) : null;
    parts.push(stats ? `${name} ${(stats.mode & 0o7777).toString(8)} ${(await sha256File(file)).slice(0, 12)}` : `${name} absent`);
  }
  return parts.join(', ');
}

/** Every entry's path, type, mode, owner, size, link count, symlink target and content: all but its times. */
async function timelessDigest(dir: string): Promise<string> {
  const { stdout } = await execa('find', [dir, '-printf', '%P\\0%y %m %U %G %s %n %l\\0'], { encoding: 'buffer' });
  const hash = crypto.createHash('sha256').update(stdout);
  const fields = Buffer.from(stdout).toString('latin1').split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i + 1]!.startsWith('f ')) hash.update(fs.readFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(fields[i]!, 'latin1')])));
  }
  return hash.digest('hex');
}

/** Each entry's path, type and mtime. */
async function times(dir: string): Promise<Map<string, string>> {
  const { stdout } = await execa('find', [dir, '-printf', '%P\\0%y %T@\\0'], { encoding: 'buffer' });
  const fields = Buffer.from(stdout).toString('latin1').split('\0');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) out.set(fields[i]!, fields[i + 1]!);
  return out;
}

/**
 * When two images hold the same tree but for times: the kinds of entry whose mtimes differ ('d', 'f', ...; none when
 * only the filesystem's time does). null when they differ in more.
 */
export async function timesOnly(a: string, b: string, scratch: string): Promise<Set<string> | null> {
  const dirs = [path.join(scratch, 'times-a'), path.join(scratch, 'times-b')] as const;
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  try {
    await unpackImage(a, dirs[0]);
    await unpackImage(b, dirs[1]);
    if ((await timelessDigest(dirs[0])) !== (await timelessDigest(dirs[1]))) return null;
    if ((await linkAndXattrDifferences(dirs[0], dirs[1])).length > 0) return null;
    const [x, y] = [await times(dirs[0]), await times(dirs[1])];
    return new Set([...x].filter(([rel, t]) => y.get(rel) !== t).map(([, t]) => t[0]!));
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
