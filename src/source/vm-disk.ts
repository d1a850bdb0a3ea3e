// Tells a VM disk format (qcow2, VDI, VMDK, VHDX) from a raw file by qemu-img, and confines every file it reads to the image's directory.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ModuleError, oneLine } from '../core/errors.js';

/** The formats read through qemu-storage-daemon; 'raw' files are loop-mounted directly. */
export const VM_FORMATS = ['qcow2', 'vdi', 'vmdk', 'vhdx'] as const;
export type VmFormat = (typeof VM_FORMATS)[number];

export interface VmDisk {
  format: VmFormat;
  /** Every other file the image reads (backing files, VMDK extents, a qcow2 data file): its content is theirs too. */
  files: string[];
}

interface ImageInfo {
  format: string;
  'backing-filename'?: string;
  'backing-filename-format'?: string;
  'format-specific'?: { type: string; data?: { extents?: { filename: string }[]; 'data-file'?: string } };
}

/** A backing chain deeper than this is refused rather than followed (qemu's own limit is far higher). */
const MAX_CHAIN = 16;
export const INSTALL_QEMU = 'install qemu-utils (qemu-img) and qemu-system-common (qemu-storage-daemon)';

/** Without --backing-chain qemu-img opens the image alone: each backing file is checked before qemu opens it. */
async function info(file: string, format: string | undefined, source: string): Promise<ImageInfo | null> {
  const argv = ['info', '--output=json', ...(format ? ['-f', format] : []), file];
  const result = await execa('qemu-img', argv, { reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT' || result.exitCode === 127) return null;
  if (result.exitCode !== 0) {
    const why = oneLine(result.stderr);
    if (/lock/i.test(why)) {
      throw new ModuleError(`VM disk ${source} is in use (${why}): shut the VM down before building, or build from a copy of its disk`);
    }
    throw new ModuleError(`qemu-img cannot read ${file} (${why}); give a raw, qcow2, VDI, VMDK or VHDX disk image`);
  }
  return JSON.parse(result.stdout) as ImageInfo;
}

/** A file the image refers to, as an absolute real path inside `dir`; protocols (nbd:, http:, json:) are refused. */
function confined(ref: string, from: string, dir: string, what: string, source: string): string {
  const refuse = (why: string) =>
    new ModuleError(`VM disk ${source}: its ${what} ${JSON.stringify(ref)} ${why}; keep the disk's backing files and extents in ${dir}, or give a flattened copy (qemu-img convert -O qcow2)`);
  if (/^[a-z0-9+.-]+:/i.test(ref.split('/')[0] ?? '')) throw refuse('is not a plain file');
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(path.dirname(from), ref));
  } catch {
    throw refuse('does not exist');
  }
  const relative = path.relative(dir, real);
  if (relative === '' || relative.split(path.sep)[0] === '..' || path.isAbsolute(relative)) throw refuse(`resolves to ${real}, outside the image's directory`);
  if (!fs.statSync(real).isFile()) throw refuse('is not a regular file');
  return real;
}

function extraFiles(image: ImageInfo, file: string, dir: string, source: string): string[] {
  const data = image['format-specific']?.data;
  const extents = (data?.extents ?? []).map((extent) => confined(extent.filename, file, dir, 'extent', source));
  const dataFile = data?.['data-file'] ? [confined(data['data-file'], file, dir, 'data file', source)] : [];
  return [...extents, ...dataFile].filter((f) => f !== file);
}

/**
 * The VM disk format of a regular file, or null for a raw one (and when qemu-img is missing, so raw disks need no
 * QEMU). The format comes from qemu-img's probe of the content, never from the file name.
 */
export async function vmDisk(file: string): Promise<VmDisk | null> {
  const top = await info(file, undefined, file);
  if (!top || top.format === 'raw') return null;
  if (!(VM_FORMATS as readonly string[]).includes(top.format)) {
    throw new ModuleError(`Option name: ${file} is a ${top.format} disk image, which ltsp_image does not read (it reads raw, ${VM_FORMATS.join(', ')}); convert a copy: qemu-img convert -O qcow2 ${file} COPY.qcow2`);
  }
  const dir = path.dirname(fs.realpathSync(file));
  const files: string[] = [];
  let [current, image] = [fs.realpathSync(file), top];
  files.push(...extraFiles(image, current, dir, file));
  while (image['backing-filename']) {
    if (files.length >= MAX_CHAIN) throw new ModuleError(`VM disk ${file}: its backing chain is deeper than ${MAX_CHAIN}; give a flattened copy (qemu-img convert -O qcow2)`);
    const next = confined(image['backing-filename'], current, dir, 'backing file', file);
    const found = await info(next, image['backing-filename-format'], file);
    if (!found) throw new ModuleError(`qemu-img disappeared while reading ${file}; ${INSTALL_QEMU}`);
    if (found.format !== 'raw' && !(VM_FORMATS as readonly string[]).includes(found.format)) {
      throw new ModuleError(`VM disk ${file}: its backing file ${next} is ${found.format}, which is not supported; give a flattened copy (qemu-img convert -O qcow2)`);
    }
    files.push(next, ...extraFiles(found, next, dir, file));
    [current, image] = [next, found];
  }
  return { format: top.format as VmFormat, files };
}
