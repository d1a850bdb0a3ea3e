// Sed regexes and shell globs share POSIX bracket expressions ([a-z], [^x], [[:digit:]]), so one translator serves both.
import { cClass, cClassSource } from '../match/c-locale.js';

/** Characters that must be escaped to stand for themselves in a JS RegExp (u flag) outside a class. */
const REGEXP_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/** Characters that must be escaped to stand for themselves inside a JS class ([...]). */
const CLASS_SYNTAX = new Set(['\\', ']', '[', '^', '-']);

export function escapeLiteral(c: string): string {
  return REGEXP_SYNTAX.has(c) ? `\\${c}` : c;
}

function escapeInClass(c: string): string {
  return CLASS_SYNTAX.has(c) ? `\\${c}` : c;
}

export interface BracketOptions {
  /** Characters that negate the expression when they come first: "^" for regexes, "!^" for shell globs. */
  negators: string;
  /**
   * What a backslash does: escape the next character (shell globs), or nothing, which is rejected
   * because POSIX makes it literal while GNU sed reads "\n" as a newline and keeps "\" before the delimiter.
   */
  backslash: 'escapes' | 'rejected';
}

export interface Bracket {
  /** JS RegExp source of the class, for a RegExp with the u flag. */
  source: string;
  /** Index just past the closing "]". */
  end: number;
}

type Item = { char: string } | { from: string; to: string } | { cls: string };

/** Reads one element at chars[i]; null when a "[:", "[=" or "[." is not closed before the end. */
function readElement(chars: readonly string[], i: number, options: BracketOptions): { item: Item; next: number } | null {
  const c = chars[i]!;
  const kind = chars[i + 1];
  if (c === '[' && (kind === ':' || kind === '=' || kind === '.')) {
    for (let j = i + 2; j + 1 < chars.length; j++) {
      if (chars[j] !== kind || chars[j + 1] !== ']') continue;
      const name = chars.slice(i + 2, j).join('');
      if (kind === ':') {
        const test = cClass(name);
        if (test === undefined) throw new Error(`unknown character class [:${name}:]`);
        return { item: { cls: cClassSource(test) }, next: j + 2 };
      }
      if ([...name].length !== 1) throw new Error(`unsupported collating element [${kind}${name}${kind}]`);
      return { item: { char: name }, next: j + 2 };
    }
    return null;
  }
  const escaped = chars[i + 1];
  if (c === '\\' && escaped !== undefined && options.backslash === 'escapes') {
    return { item: { char: escaped }, next: i + 2 };
  }
  if (c === '\\' && options.backslash === 'rejected') {
    throw new Error('a backslash inside [...] is not accepted (POSIX and GNU sed disagree on its meaning)');
  }
  return { item: { char: c }, next: i + 1 };
}

/**
 * Translates the bracket expression starting at chars[start] ("[").
 * Returns null when it is not terminated; throws on an invalid class name or range.
 */
export function translateBracket(chars: readonly string[], start: number, options: BracketOptions): Bracket | null {
  let i = start + 1;
  let negate = false;
  if (i < chars.length && options.negators.includes(chars[i]!)) {
    negate = true;
    i++;
  }
  const items: Item[] = [];
  for (let first = true; ; first = false) {
    if (i >= chars.length) return null;
    if (chars[i] === ']' && !first) {
      i++;
      break;
    }
    const element = readElement(chars, i, options);
    if (element === null) return null;
    i = element.next;
    const isRange = chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']';
    if (!isRange || !('char' in element.item)) {
      items.push(element.item);
      continue;
    }
    const end = readElement(chars, i + 1, options);
    if (end === null) return null;
    if (!('char' in end.item)) throw new Error('a character class cannot end a range');
    const from = element.item.char;
    const to = end.item.char;
    if (from.codePointAt(0)! > to.codePointAt(0)!) throw new Error(`invalid range ${from}-${to}`);
    items.push({ from, to });
    i = end.next;
  }
  const body = items
    .map((item) => {
      if ('cls' in item) return item.cls;
      if ('char' in item) return escapeInClass(item.char);
      return `${escapeInClass(item.from)}-${escapeInClass(item.to)}`;
    })
    .join('');
  return { source: `[${negate ? '^' : ''}${body}]`, end: i };
}
