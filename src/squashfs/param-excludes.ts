// The paths after mksquashfs_params' -e become lines of the image's exclude file: mksquashfs -wildcards reads both alike, but only for a path that reads the same as a line.
import { parseExcludeLine } from '../match/exclude-lines.js';

const FIX = 'give paths relative to the image root, such as var/cache/foo or "... core" for any depth';

/** Refuses (through `fail`) an -e path that an exclude-file line would read differently, or that mksquashfs -wildcards rejects. */
export function checkExcludePath(path: string, fail: (what: string) => never): void {
  const shown = JSON.stringify(path);
  if (/[\n\0]/.test(path) || /^[\s#\\]/.test(path) || path === '') {
    fail(`-e path ${shown} is empty, holds a newline or NUL, or starts with a space, # or \\, which an exclude line reads differently; ${FIX}`);
  }
  try {
    parseExcludeLine(path);
  } catch (error) {
    fail(`-e path ${shown}: ${(error as Error).message.replace(/^exclude pattern "[^"]*": /, '')}; ${FIX}`);
  }
}
