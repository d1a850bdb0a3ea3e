// Which mksquashfs parameters a user may add: none that runs commands, reads other files into the image or a message, or changes where or what the image is.
import { ModuleError } from '../runtime/errors.js';

/** Why each refused option is refused; the module's own options come first. */
const REFUSED: [string[], string][] = [
  [['-noappend', '-ef', '-wildcards', '-regex'], 'is set by the module itself'],
  [['-p', '-pf', '-pd', '-pds', '-pseudo-override'], 'defines pseudo files, which can run commands as root and add files from outside the source'],
  [['-sort', '-action-file', '-log-action-file', '-true-action-file', '-false-action-file'], 'reads another file, whose lines mksquashfs would repeat in its messages'],
  [['-tar', '-cpiostyle', '-cpiostyle0', '-tarstyle', '-no-strip'], 'takes the image content from stdin or changes its paths, not from the source tree'],
  [['-o', '-offset', '-root-becomes', '-keep-as-directory', '-recover', '-recovery-path'], 'changes where the image is written or what its root is, so clients could not boot it'],
  [['-version', '-help', '-h', '-Xhelp'], 'makes mksquashfs exit without writing an image'],
];

/** Whether mksquashfs stores xattrs with these parameters: it does by default, and the last of -xattrs and -no-xattrs wins. */
export function storesXattrs(params: readonly string[]): boolean {
  return params.filter((p) => p === '-xattrs' || p === '-no-xattrs').pop() !== '-no-xattrs';
}

export function checkParams(params: string[]): void {
  for (const param of params) {
    const refused = REFUSED.find(([options]) => options.includes(param));
    if (refused) throw new ModuleError(`Option mksquashfs_params: ${param} ${refused[1]}; remove it`);
  }
}
