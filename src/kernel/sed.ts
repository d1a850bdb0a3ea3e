// kernel_initrd derives the initrd name with a sed "s" command, as `ltsp kernel` does; this runs one without spawning sed.
import { translateBre } from './bre.js';

/** One piece of the replacement: literal text, or a group (0 for the whole match, like "&"). */
export type ReplacementPart = { text: string } | { group: number };

export interface CompiledSed {
  /** The command as given, for messages. */
  command: string;
  /** Equivalent JS RegExp; has the g flag when the command has it. */
  regex: RegExp;
  /** Equivalent replacement string for String.prototype.replace ($&, $01..$09, $$). */
  replacement: string;
  parts: readonly ReplacementPart[];
  global: boolean;
}

const EXPECTED =
  'expected s<d>REGEX<d>REPLACEMENT<d> with an optional g flag, REGEX being a POSIX basic regex ' +
  '(groups \\( \\), . * [...] ^ $ \\{m,n\\}) and REPLACEMENT using \\1..\\9 and &, e.g. s|vmlinuz|initrd.img|';

export class SedSyntaxError extends Error {
  constructor(command: string, detail: string) {
    super(`kernel_initrd: invalid sed command ${JSON.stringify(command)}: ${detail}; ${EXPECTED}`);
    this.name = 'SedSyntaxError';
  }
}

/** Reads up to the next unescaped delimiter, keeping escapes for the regex and replacement parsers. */
function readPart(chars: readonly string[], start: number, delimiter: string): { part: string[]; next: number } | null {
  const part: string[] = [];
  for (let i = start; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === delimiter) return { part, next: i + 1 };
    part.push(c);
    if (c === '\\' && i + 1 < chars.length) part.push(chars[++i]!);
  }
  return null;
}

function parseReplacement(chars: readonly string[], delimiter: string, groups: number): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  const literal = (text: string): void => {
    const last = parts[parts.length - 1];
    if (last !== undefined && 'text' in last) last.text += text;
    else parts.push({ text });
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '&') {
      parts.push({ group: 0 });
      continue;
    }
    if (c !== '\\') {
      literal(c);
      continue;
    }
    const e = chars[++i];
    if (e === undefined) throw new Error('trailing backslash in the replacement');
    if (e >= '1' && e <= '9') {
      if (Number(e) > groups) throw new Error(`replacement refers to \\${e} but the regex has ${groups} group(s)`);
      parts.push({ group: Number(e) });
    } else if (e === delimiter || e === '&' || e === '\\') {
      literal(e);
    } else {
      throw new Error(`unsupported escape \\${e} in the replacement`);
    }
  }
  return parts;
}

function toReplaceString(parts: readonly ReplacementPart[]): string {
  return parts
    .map((part) => ('text' in part ? part.text.replace(/\$/g, '$$$$') : part.group === 0 ? '$&' : `$0${part.group}`))
    .join('');
}

/** Parses and converts a sed "s" command; throws SedSyntaxError naming kernel_initrd on anything else. */
export function compileSed(command: string): CompiledSed {
  const chars = Array.from(command.trim());
  const fail = (detail: string): never => {
    throw new SedSyntaxError(command, detail);
  };
  if (chars[0] !== 's') fail('only the s (substitute) command is supported');
  const delimiter = chars[1];
  if (delimiter === undefined) fail('missing delimiter after s');
  if (delimiter === '\\' || delimiter === '\n') fail('the delimiter cannot be a backslash or a newline');
  const regexPart = readPart(chars, 2, delimiter!) ?? fail('unterminated s command (regex)');
  const replacementPart = readPart(chars, regexPart.next, delimiter!) ?? fail('unterminated s command (replacement)');
  const flags = chars.slice(replacementPart.next).join('');
  if (flags !== '' && flags !== 'g') fail(`unsupported flags ${JSON.stringify(flags)}, only g is accepted`);
  if (regexPart.part.length === 0) fail('empty regex (sed would reuse the previous one)');
  try {
    const bre = translateBre(regexPart.part, delimiter!);
    const parts = parseReplacement(replacementPart.part, delimiter!, bre.groups);
    const global = flags === 'g';
    const regex = new RegExp(bre.source, global ? 'gsu' : 'su');
    return { command, regex, replacement: toReplaceString(parts), parts, global };
  } catch (error) {
    if (error instanceof SedSyntaxError) throw error;
    return fail((error as Error).message);
  }
}

function expand(parts: readonly ReplacementPart[], match: RegExpExecArray): string {
  return parts.map((part) => ('text' in part ? part.text : match[part.group] ?? '')).join('');
}

/** Applies the command as sed does, including its rule that an empty match right after a match is not replaced. */
export function applySed(sed: CompiledSed, input: string): string {
  const regex = new RegExp(sed.regex.source, 'gsu');
  let output = '';
  let copied = 0;
  let from = 0;
  let previousEnd = -1;
  while (from <= input.length) {
    regex.lastIndex = from;
    const match = regex.exec(input);
    if (match === null) break;
    const start = match.index;
    const end = start + match[0].length;
    const step = start < input.length ? String.fromCodePoint(input.codePointAt(start)!).length : 1;
    if (start === end && start === previousEnd) {
      from = start + step;
      continue;
    }
    output += input.slice(copied, start) + expand(sed.parts, match);
    copied = end;
    previousEnd = end;
    if (!sed.global) break;
    from = start === end ? start + step : end;
  }
  return output + input.slice(copied);
}
