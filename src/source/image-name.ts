// Derives and checks the exported image's name, which becomes a file name, a TFTP directory and an iPXE menu entry.
import os from 'node:os';
import path from 'node:path';
import { ModuleError } from '../core/errors.js';

const SAFE = /^[A-Za-z0-9_+@~:][A-Za-z0-9_.+@~:-]*$/;

/** `uname -m`, with every 32-bit x86 named x86_32 as the reference tool does. */
export function machineName(machine: string = os.machine()): string {
  return /^i[3-6]86$/.test(machine) ? 'x86_32' : machine;
}

export function checkImageName(name: string, option: string): string {
  if (name.includes(',')) throw new ModuleError(`No commas allowed in LTSP image names: ${JSON.stringify(name)} (option ${option})`);
  if (name.length > 200) throw new ModuleError(`Image name is ${name.length} characters long (option ${option}); use a name of at most 200 characters`);
  if (!SAFE.test(name)) {
    throw new ModuleError(
      `Unsafe image name ${JSON.stringify(name)} (option ${option}): use letters, digits and . _ - + @ ~ : only, not starting with . or -`,
    );
  }
  return name;
}

/** The last path component without `.img`, or the machine name for `/`. */
export function deriveImageName(sourcePath: string, isFile: boolean): string {
  const resolved = path.resolve(sourcePath);
  if (resolved === '/') return machineName();
  const base = path.basename(resolved);
  return isFile ? base.replace(/\.img$/, '') : base;
}
