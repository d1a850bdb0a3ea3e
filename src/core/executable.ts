// One PATH lookup for every host tool the modules run (mksquashfs, ionice, python3, ssh-keygen, openssl).
import fs from 'node:fs';
import path from 'node:path';

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable file `command` names: itself when it has a slash, else the first match in PATH's absolute
 * directories (a relative PATH entry would depend on the directory the module happens to run in). Null when none.
 */
export function findExecutable(command: string): string | null {
  if (command.includes('/')) return isExecutableFile(command) ? command : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}
