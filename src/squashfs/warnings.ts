// mksquashfs reports what it leaves out of an image (an entry too long to stat, an xattr it cannot store) on stderr and still exits 0: those lines become the result's warnings.

/** Beyond this many, one more line says how many were left out (a tree can make mksquashfs print one per entry). */
const MOST = 20;
/** An entry's path may be 4096 bytes and more: its head and tail say which it is. */
const HEAD = 160;
const TAIL = 80;
const LONG_WORD = new RegExp(`\\S{${HEAD + TAIL + 40},}`, 'g');

/** The line with each very long word (a path) cut to its head and tail, saying how much was left out. */
export function shortened(line: string): string {
  return line.replace(LONG_WORD, (word) => `${word.slice(0, HEAD)}...(${word.length - HEAD - TAIL} more characters)...${word.slice(-TAIL)}`);
}

/** The warnings in what mksquashfs printed on stderr of a run that succeeded, each once, in order. */
export function squashWarnings(stderr: string): string[] {
  const lines = [...new Set(stderr.split('\n').map((line) => line.trim()).filter(Boolean))];
  const shown = lines.slice(0, MOST).map((line) => `mksquashfs: ${shortened(line)}`);
  if (lines.length > MOST) shown.push(`mksquashfs: ${lines.length - MOST} more warnings like these`);
  return shown;
}
