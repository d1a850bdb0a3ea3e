// Lists, in words, every way two images built from the same source differ: paths and their metadata, file bytes, account lines, TFTP kernel and initrd.
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { listImage, type ImageEntry } from './image.js';

/** Compared line by line in their own check, so their sizes are left out of the path comparison. */
export const ACCOUNT_FILES = ['etc/passwd', 'etc/shadow', 'etc/group', 'etc/gshadow'] as const;

/** The parts of the images whose bytes are compared (cleanup only ever writes here; the rest is mksquashfs's copy). */
const CONTENT_DIRS = ['etc', 'var', 'boot', 'opt', 'srv', 'root', 'home'];

function describe(entry: ImageEntry): string {
  return `${entry.mode} ${entry.owner} ${entry.size}${entry.target !== undefined ? ` -> ${entry.target}` : ''}`;
}

/**
 * Every path only one image has, and every mode, owner, symlink target or size that differs. Times are left out,
 * and so are directory sizes (they depend on the order entries were made); `noSize` paths are compared without size.
 */
export async function pathDifferences(reference: string, ours: string, noSize: ReadonlySet<string>): Promise<string[]> {
  const [ref, our] = await Promise.all([listImage(reference), listImage(ours)]);
  const differences: string[] = [];
  for (const p of [...new Set([...ref.keys(), ...our.keys()])].sort()) {
    const a = ref.get(p);
    const b = our.get(p);
    const name = p === '' ? '/' : p;
    if (!a) differences.push(`only in ours: ${name} (${describe(b!)})`);
    else if (!b) differences.push(`only in the reference: ${name} (${describe(a)})`);
    else {
      const fields: [string, string | undefined, string | undefined][] = [
        ['mode', a.mode, b.mode],
        ['owner', a.owner, b.owner],
        ['symlink target', a.target, b.target],
      ];
      if (!a.mode.startsWith('d') && !noSize.has(p)) fields.push(['size', a.size, b.size]);
      for (const [field, x, y] of fields) if (x !== y) differences.push(`${name}: ${field} ${y} in ours, ${x} in the reference`);
    }
  }
  return differences;
}

/** Extracts the content dirs of an image (those it has) into dir. */
export async function extractImage(image: string, dir: string): Promise<string> {
  const top = await listImage(image);
  const dirs = CONTENT_DIRS.filter((d) => top.has(d));
  await execa('unsquashfs', ['-no-progress', '-quiet', '-d', dir, image, ...dirs]);
  return dir;
}

/** A path of an extracted tree as bytes: relative paths are latin1 strings, one char per byte, so names that are not UTF-8 are compared too. */
const bytes = (dir: string, rel: string): Buffer => Buffer.concat([Buffer.from(dir), Buffer.from(rel === '' ? '' : `/${rel}`, 'latin1')]);

async function regularFiles(dir: string, rel = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(bytes(dir, rel), { withFileTypes: true, encoding: 'latin1' })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await regularFiles(dir, child)));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

/** Regular files both extracted trees have whose bytes differ, except `skip` (random by nature, or compared elsewhere). */
export async function contentDifferences(referenceDir: string, oursDir: string, skip: ReadonlySet<string>): Promise<string[]> {
  const differences: string[] = [];
  for (const rel of (await regularFiles(referenceDir)).sort()) {
    if (skip.has(rel)) continue;
    const other = bytes(oursDir, rel);
    if (!existsSync(other)) continue;
    const [a, b] = await Promise.all([fs.readFile(bytes(referenceDir, rel)), fs.readFile(other)]);
    if (!a.equals(b)) differences.push(`${rel}: content differs (${b.length} bytes in ours, ${a.length} in the reference)`);
  }
  return differences;
}

/** Member lists sorted: the reference keeps them in a Python set, so its order is random. */
export function normalizeAccountLine(file: string, line: string): string {
  const lists = file === 'etc/group' ? [3] : file === 'etc/gshadow' ? [2, 3] : [];
  const fields = line.split(':');
  for (const i of lists) if (fields[i] !== undefined) fields[i] = fields[i]!.split(',').filter(Boolean).sort().join(',');
  return fields.join(':');
}

async function accountLines(dir: string, file: string): Promise<string[] | null> {
  const text = await fs.readFile(path.join(dir, file), 'utf8').catch(() => null);
  return text === null ? null : text.split('\n').filter((l) => l !== '').map((l) => normalizeAccountLine(file, l));
}

/** Line by line, keyed by the entry name: lines only one side has, lines that differ, and entries in another order. */
export async function accountDifferences(referenceDir: string, oursDir: string): Promise<string[]> {
  const differences: string[] = [];
  for (const file of ACCOUNT_FILES) {
    const [ref, our] = await Promise.all([accountLines(referenceDir, file), accountLines(oursDir, file)]);
    if (ref === null || our === null) {
      if (ref !== our) differences.push(`${file}: ${ref === null ? 'missing in the reference' : 'missing in ours'}`);
      continue;
    }
    const byName = (lines: string[]) => new Map(lines.map((l) => [l.split(':')[0]!, l]));
    const [a, b] = [byName(ref), byName(our)];
    for (const name of [...new Set([...a.keys(), ...b.keys()])]) {
      const x = a.get(name);
      const y = b.get(name);
      if (x === undefined) differences.push(`${file}: only ours has "${y}"`);
      else if (y === undefined) differences.push(`${file}: only the reference has "${x}"`);
      else if (x !== y) differences.push(`${file}: "${y}" in ours, "${x}" in the reference`);
    }
    const order = (m: Map<string, string>, other: Map<string, string>) => [...m.keys()].filter((k) => other.has(k)).join(' ');
    if (order(a, b) !== order(b, a)) differences.push(`${file}: entries in another order (ours: ${order(b, a)}; reference: ${order(a, b)})`);
  }
  return differences;
}

export interface OutputPlaces {
  base: string;
  tftp: string;
  name: string;
}

/** Mode and owner of what a run makes besides the image's content: BASE, BASE/images, the image, TFTP/ltsp, TFTP/ltsp/NAME. */
export async function outputDifferences(reference: OutputPlaces, ours: OutputPlaces): Promise<string[]> {
  const differences: string[] = [];
  const places = (o: OutputPlaces) => [o.base, path.join(o.base, 'images'), path.join(o.base, 'images', `${o.name}.img`), path.join(o.tftp, 'ltsp'), path.join(o.tftp, 'ltsp', o.name)];
  const labels = ['BASE', 'BASE/images', `BASE/images/${reference.name}.img`, 'TFTP/ltsp', `TFTP/ltsp/${reference.name}`];
  const describeStat = async (file: string) => {
    const stat = await fs.lstat(file).catch(() => null);
    return stat === null ? 'missing' : `${(stat.mode & 0o7777).toString(8).padStart(4, '0')} ${stat.uid}/${stat.gid}`;
  };
  const [a, b] = [places(reference), places(ours)];
  for (const [i, label] of labels.entries()) {
    const [x, y] = await Promise.all([describeStat(a[i]!), describeStat(b[i]!)]);
    if (x !== y) differences.push(`${label}: ${y} in ours, ${x} in the reference`);
  }
  return differences;
}

/** The TFTP kernel and initrd: presence, mode and bytes. */
export async function kernelDifferences(referenceDir: string, oursDir: string): Promise<string[]> {
  const differences: string[] = [];
  for (const name of ['vmlinuz', 'initrd.img']) {
    const read = async (dir: string) => {
      const file = path.join(dir, name);
      if (!existsSync(file)) return null;
      return { mode: ((await fs.stat(file)).mode & 0o7777).toString(8), bytes: await fs.readFile(file) };
    };
    const [a, b] = await Promise.all([read(referenceDir), read(oursDir)]);
    if (a === null || b === null) {
      differences.push(`${name}: missing in ${a === null && b === null ? 'both' : a === null ? 'the reference' : 'ours'}`);
      continue;
    }
    if (a.mode !== b.mode) differences.push(`${name}: mode ${b.mode} in ours, ${a.mode} in the reference`);
    if (!a.bytes.equals(b.bytes)) differences.push(`${name}: bytes differ (${b.bytes.length} in ours, ${a.bytes.length} in the reference)`);
  }
  return differences;
}

/** Fails listing every difference, one per line; a difference expected (and documented) that no longer shows fails too. */
export function assertSame(what: string, found: readonly string[], expected: readonly string[] = []): void {
  const unexpected = found.filter((d) => !expected.includes(d));
  const gone = expected.filter((d) => !found.includes(d));
  const parts: string[] = [];
  if (unexpected.length > 0) parts.push(`${unexpected.length} difference(s) in ${what} between ltsp_image and ltsp image:\n  ${unexpected.join('\n  ')}`);
  if (gone.length > 0) parts.push(`expected differences in ${what} that no longer show (update the test and the README):\n  ${gone.join('\n  ')}`);
  if (parts.length > 0) assert.fail(parts.join('\n'));
}
