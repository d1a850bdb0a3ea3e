// One program serves Ansible (an args file), plain runners (JSON on stdin) and people (flags and image names); this tells them apart.
import fs from 'node:fs';

/** Ansible's args file, or any file handed over alone that holds a JSON object: a disk image never starts with "{". */
function isArgsFile(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!fs.statSync(file).isFile()) return false;
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const text = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)).toString('utf8');
    return /^\uFEFF?\s*\{/.test(text);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A module run: no arguments with JSON piped in, "-", or one JSON args file. Everything else is a person's command line,
 * including no arguments at a terminal (which then shows the usage).
 */
export function isCommandLine(argv: readonly string[], stdinIsTerminal: boolean): boolean {
  if (argv.length === 0) return stdinIsTerminal;
  if (argv.length === 1 && (argv[0] === '-' || isArgsFile(argv[0]!))) return false;
  return true;
}
