// Reads exclude-file lines the way mksquashfs 4.5's process_exclude_file() does, so a line means the same pattern to both of us.

/** mksquashfs reads lines with fgets into a buffer of this size and refuses longer ones. */
const MAX_LINE = 16384;

export interface ParsedPattern {
  /** The pattern's components (split on '/', empty ones dropped), as latin1 strings of its bytes. */
  components: string[];
  /** A "... " pattern: its first component excludes any entry of that name at any depth. */
  sticky: boolean;
}

// C's isspace() in the C locale.
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Splits like mksquashfs's get_component(): runs of '/' separate components and leading or
 * trailing ones vanish, so "a//b/" is a then b.
 */
function components(pattern: string): string[] {
  return pattern.split('/').filter((part) => part !== '');
}

/**
 * One line of an exclude file, or null when mksquashfs skips it. Leading whitespace goes,
 * trailing whitespace stays part of the pattern, '#' starts a comment only as the first
 * non-blank character, and one leading backslash is dropped (it lets a pattern start with
 * '#' or a space). Lines starting with '/', './' or '../' make mksquashfs -wildcards abort,
 * so they throw here too.
 */
export function parseExcludeLine(line: string): ParsedPattern | null {
  // The file holds UTF-8 text; mksquashfs compares its bytes with the names' bytes.
  let text = Buffer.from(line, 'utf8').toString('latin1');
  if (text.length >= MAX_LINE) throw new Error(`exclude pattern longer than mksquashfs accepts (${MAX_LINE} bytes): ${line.slice(0, 60)}...`);
  // fgets() hands mksquashfs everything up to a NUL as one C string.
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  text = text.slice(start);
  if (text.startsWith('#')) return null;
  if (text.startsWith('\\')) text = text.slice(1);
  if (text === '') return null;
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) {
    throw new Error(`exclude pattern ${JSON.stringify(line)}: mksquashfs -wildcards rejects patterns starting with /, ./ or ../`);
  }
  if (text.startsWith('... ')) return { components: components(text.slice(4)), sticky: true };
  return { components: components(text), sticky: false };
}

/** Every pattern of an exclude file given as its lines (a line holding '\n' counts as several). */
export function parseExcludeLines(lines: readonly string[]): ParsedPattern[] {
  const out: ParsedPattern[] = [];
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const parsed = parseExcludeLine(line);
    if (parsed) out.push(parsed);
  }
  return out;
}
