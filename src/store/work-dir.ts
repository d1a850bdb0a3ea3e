// The per-run 0700 work dir: made fresh, and removed with rmdir only, so a leaked mount could never make us delete a source.
import fs from 'node:fs';
import path from 'node:path';

export function makeWorkDir(dir: string, excludes: string[]): void {
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'excludes'), `${excludes.join('\n')}\n`, { mode: 0o600 });
}

/** Files we wrote are unlinked; directories are only rmdir'ed, never emptied recursively. */
export function removeWorkDir(dir: string): string | null {
  const files = ['excludes', 'kernel/vmlinuz', 'kernel/initrd.img'];
  const dirs = ['kernel', 'root', 'tmpfs', ...listLowerDirs(dir), ''];
  try {
    for (const file of files) fs.rmSync(path.join(dir, file), { force: true });
    for (const sub of dirs) {
      const target = path.join(dir, sub);
      if (fs.existsSync(target)) fs.rmdirSync(target);
    }
    return null;
  } catch (error) {
    return `Could not remove the work dir ${dir}: ${(error as Error).message}`;
  }
}

function listLowerDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => /^lower-\d+$/.test(name));
  } catch {
    return [];
  }
}
