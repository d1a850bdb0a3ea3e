// Checks, before anything is built, the places written after publishing (metrics file, TFTP), so a bad one fails the run with nothing changed.
import fs from 'node:fs';
import path from 'node:path';
import { kernelDestinations } from '../kernel/compare.js';
import { ModuleError, errorCode } from '../core/errors.js';

/** NAME_MAX, less what a temp name adds around the file name (see fs/temp-file.ts). */
const LONGEST_NAME = 255 - '..123456789abc.tmp'.length;

function lstatIfAny(file: string): fs.Stats | undefined {
  return fs.lstatSync(file, { throwIfNoEntry: false });
}

export function checkMetricsFile(file: string): void {
  const option = 'Option metrics_file';
  if (!path.isAbsolute(file)) throw new ModuleError(`${option} must be an absolute path (a relative one would land in whatever directory the module runs in), got ${JSON.stringify(file)}`);
  if (/[\0\n]/.test(file)) throw new ModuleError(`${option} contains a NUL or newline; give a plain absolute path`);
  const name = path.basename(file);
  if (Buffer.byteLength(name) > LONGEST_NAME) throw new ModuleError(`${option}: the file name is ${Buffer.byteLength(name)} bytes long; use one of at most ${LONGEST_NAME}`);
  const dir = path.dirname(file);
  const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!dirStat) throw new ModuleError(`${option}: the directory ${dir} does not exist; create it (node_exporter's textfile directory) or fix the path`);
  if (!dirStat.isDirectory()) throw new ModuleError(`${option}: ${dir} is not a directory; fix the path`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new ModuleError(`${option}: cannot write in ${dir} (${errorCode(error)}); fix the path or the directory`, { cause: error });
  }
  if (lstatIfAny(file)?.isDirectory()) throw new ModuleError(`${option}: ${file} is a directory; give a file path such as ${path.join(file, 'ltsp_image.prom')}`);
}

/** The TFTP dirs must be directories (or creatable), and vmlinuz and initrd.img no directories. */
export function checkKernelDestinations(tftpDir: string, imageName: string): void {
  const where = kernelDestinations(tftpDir, imageName);
  for (const dir of [path.join(tftpDir, 'ltsp'), where.dir]) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) throw new ModuleError(`Option tftp_dir: ${dir} is not a directory, so the kernel cannot be installed; remove it or choose another tftp_dir`);
    if (!stat) return;
  }
  for (const file of [where.vmlinuz, where.initrd]) {
    const stat = lstatIfAny(file);
    if (stat && !stat.isFile() && !stat.isSymbolicLink()) throw new ModuleError(`Option tftp_dir: ${file} is not a regular file, so the kernel cannot be installed there; remove it`);
  }
}
