// Users write kernel_initrd regexes in sed's POSIX basic syntax, which JS RegExp cannot read as is; this rewrites them.
import { escapeLiteral, translateBracket } from './bracket.js';

/** POSIX's minimum RE_DUP_MAX; larger bounds are never needed to name a file. */
const MAX_REPEAT = 255;

export interface TranslatedBre {
  /** Source for `new RegExp(source, 'su')`. */
  source: string;
  /** Number of \( \) groups, so the replacement can be checked. */
  groups: number;
}

/** What precedes the current position: nothing a quantifier could apply to, an atom, or a quantifier. */
type Previous = 'none' | 'atom' | 'quantifier';

/** Reads "m\}", "m,\}" or "m,n\}" after "\{"; returns the JS quantifier and the index past "\}". */
function readInterval(chars: readonly string[], start: number): { quantifier: string; next: number } {
  let i = start;
  let text = '';
  while (i < chars.length && chars[i] !== '\\') text += chars[i++];
  if (chars[i] !== '\\' || chars[i + 1] !== '}') throw new Error('unterminated \\{ interval');
  const match = /^(\d+)(,(\d*))?$/.exec(text);
  if (match === null) throw new Error(`invalid interval \\{${text}\\}, expected \\{m\\}, \\{m,\\} or \\{m,n\\}`);
  const min = Number(match[1]);
  const max = match[3] === undefined || match[3] === '' ? undefined : Number(match[3]);
  if (min > MAX_REPEAT || (max !== undefined && max > MAX_REPEAT)) throw new Error(`interval bound above ${MAX_REPEAT}`);
  if (max !== undefined && max < min) throw new Error(`invalid interval \\{${text}\\}: maximum below minimum`);
  const quantifier = match[2] === undefined ? `{${min}}` : `{${min},${max ?? ''}}`;
  return { quantifier, next: i + 2 };
}

/**
 * Translates a POSIX basic regex, given as code points, into JS RegExp source.
 * `delimiter` is the sed delimiter: "\" followed by it stands for the delimiter itself.
 * Throws an Error describing the first unsupported or invalid construct.
 */
export function translateBre(chars: readonly string[], delimiter: string): TranslatedBre {
  let source = '';
  let previous: Previous = 'none';
  let atExpressionStart = true;
  let groups = 0;
  const open: number[] = [];
  const closed = new Set<number>();
  const quantify = (quantifier: string, text: string): void => {
    if (previous === 'quantifier') throw new Error(`${text} cannot follow another repetition`);
    if (previous === 'none') throw new Error(`${text} has nothing to repeat`);
    source += quantifier;
    previous = 'quantifier';
  };
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    const startedExpression = atExpressionStart;
    atExpressionStart = false;
    if (c === '\\') {
      const e = chars[i + 1];
      if (e === undefined) throw new Error('trailing backslash');
      i += 2;
      if (e === delimiter || '.*[]^$\\/'.includes(e)) {
        source += escapeLiteral(e);
        previous = 'atom';
      } else if (e === '(') {
        open.push(++groups);
        source += '(';
        previous = 'none';
        atExpressionStart = true;
      } else if (e === ')') {
        const group = open.pop();
        if (group === undefined) throw new Error('unmatched \\)');
        closed.add(group);
        source += ')';
        previous = 'atom';
      } else if (e === '{') {
        const interval = readInterval(chars, i);
        quantify(interval.quantifier, '\\{');
        i = interval.next;
      } else if (e === '}') {
        throw new Error('unmatched \\}');
      } else if (e >= '1' && e <= '9') {
        if (!closed.has(Number(e))) throw new Error(`back reference \\${e} names no closed group`);
        source += `\\${e}`;
        previous = 'atom';
      } else {
        throw new Error(`unsupported escape \\${e} (GNU extensions such as \\+ \\? \\| \\n \\w are not accepted)`);
      }
      continue;
    }
    if (c === '[') {
      const bracket = translateBracket(chars, i, { negators: '^', backslash: 'rejected' });
      if (bracket === null) throw new Error('unterminated [ bracket expression');
      source += bracket.source;
      previous = 'atom';
      i = bracket.end;
      continue;
    }
    i++;
    if (c === '*') {
      // A leading "*" (at the start, after "\(" or after a leading "^") is literal in basic regexes.
      if (previous === 'none') {
        source += '\\*';
        previous = 'atom';
      } else {
        quantify('*', '*');
      }
    } else if (c === '^' && startedExpression) {
      source += '^';
      previous = 'none';
    } else if (c === '$' && (i === chars.length || (chars[i] === '\\' && chars[i + 1] === ')'))) {
      source += '$';
      previous = 'none';
    } else if (c === '.') {
      source += '.';
      previous = 'atom';
    } else {
      source += escapeLiteral(c);
      previous = 'atom';
    }
  }
  if (open.length > 0) throw new Error('unmatched \\(');
  return { source, groups };
}
