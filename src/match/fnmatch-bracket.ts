// Bracket expressions ([...], [!...], [[:class:]]) exactly as glibc's fnmatch reads them in the C locale, which is where mksquashfs runs (it never calls setlocale).
import { cClass } from './c-locale.js';

/** What matchBracket found: the index after the expression, or one of these. */
export const NO_MATCH = -1;
/** The '[' has no closing ']': glibc then matches the '[' as an ordinary character. */
export const LITERAL_BRACKET = -2;

// glibc's limit on a class name inside [: :]; longer names make the whole match fail.
const CHAR_CLASS_MAX_LENGTH = 256;

/** The byte at index i of a latin1 string, or 0 past its end (C's terminating NUL). */
export function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** After a successful test, steps over the rest of the expression the way glibc does (its quirks included). */
function skipRest(pat: string, p: number, negated: boolean): number {
  for (;;) {
    const c = at(pat, p++);
    if (c === 0x5d) break;
    if (c === 0) return NO_MATCH;
    if (c === 0x5c) {
      if (at(pat, p) === 0) return NO_MATCH;
      ++p;
    } else if (c === 0x5b && at(pat, p) === 0x3a) {
      const startp = p;
      for (let c1 = 1; ; c1++) {
        const d = at(pat, ++p);
        if (c1 === CHAR_CLASS_MAX_LENGTH) return NO_MATCH;
        if (at(pat, p) === 0x3a && at(pat, p + 1) === 0x5d) break;
        if (d < 0x61 || d >= 0x7a) {
          p = startp - 2;
          break;
        }
      }
      p += 2;
    } else if (c === 0x5b && at(pat, p) === 0x3d) {
      if (at(pat, ++p) === 0) return NO_MATCH;
      if (at(pat, ++p) !== 0x3d || at(pat, p + 1) !== 0x5d) return NO_MATCH;
      p += 2;
    } else if (c === 0x5b && at(pat, p) === 0x2e) {
      for (;;) {
        const d = at(pat, ++p);
        if (d === 0) return NO_MATCH;
        if (d === 0x2e && at(pat, p + 1) === 0x5d) break;
      }
      p += 2;
    }
  }
  return negated ? NO_MATCH : p;
}

/**
 * Tests byte `fn` against the bracket expression whose '[' sits just before index p.
 * The caller has already refused a leading period and '/'. Returns the index after the
 * closing ']' when it matches, NO_MATCH, or LITERAL_BRACKET. Mirrors fnmatch_loop.c line
 * for line (its gotos become the `normal` flag), since any "cleaner" reading drifts from it.
 */
export function matchBracket(pat: string, p: number, fn: number): number {
  const negated = at(pat, p) === 0x21 || at(pat, p) === 0x5e;
  if (negated) ++p;
  let c = at(pat, p++);
  for (;;) {
    let normal = false;
    let rangeStart = -1;
    if (c === 0x5c) {
      if (at(pat, p) === 0) return NO_MATCH;
      c = at(pat, p++);
      normal = true;
    } else if (c === 0x5b && at(pat, p) === 0x3a) {
      const startp = p;
      let name = '';
      for (;;) {
        if (name.length === CHAR_CLASS_MAX_LENGTH) return NO_MATCH;
        c = at(pat, ++p);
        if (c === 0x3a && at(pat, p + 1) === 0x5d) {
          p += 2;
          break;
        }
        if (c < 0x61 || c >= 0x7a) {
          p = startp;
          c = 0x5b;
          normal = true;
          break;
        }
        name += String.fromCharCode(c);
      }
      if (!normal) {
        const test = cClass(name);
        if (!test) return NO_MATCH;
        if (test(fn)) return skipRest(pat, p, negated);
        c = at(pat, p++);
      }
    } else if (c === 0x5b && at(pat, p) === 0x3d) {
      const startp = p;
      const equiv = at(pat, p + 1);
      if (equiv === 0 || at(pat, p + 2) !== 0x3d || at(pat, p + 3) !== 0x5d) {
        p = startp;
        c = 0x5b;
        normal = true;
      } else {
        p += 4;
        if (fn === equiv) return skipRest(pat, p, negated);
        c = at(pat, p++);
      }
    } else if (c === 0) {
      return LITERAL_BRACKET;
    } else if (c === 0x5b && at(pat, p) === 0x2e) {
      const startp = p;
      let length = 0;
      for (;;) {
        c = at(pat, ++p);
        if (c === 0x2e && at(pat, p + 1) === 0x5d) {
          p += 2;
          break;
        }
        if (c === 0) return NO_MATCH;
        ++length;
      }
      // Without collation rules only one-character symbols exist.
      if (length !== 1) return NO_MATCH;
      const isRange = at(pat, p) === 0x2d && at(pat, p + 1) !== 0;
      if (!isRange && fn === at(pat, startp + 1)) return skipRest(pat, p, negated);
      rangeStart = at(pat, startp + 1);
      c = at(pat, p++);
    } else {
      normal = true;
    }
    if (normal) {
      const isRange = at(pat, p) === 0x2d && at(pat, p + 1) !== 0 && at(pat, p + 1) !== 0x5d;
      if (!isRange && c === fn) return skipRest(pat, p, negated);
      rangeStart = c;
      c = at(pat, p++);
    }
    if (rangeStart >= 0 && c === 0x2d && at(pat, p) !== 0x5d) {
      let end = at(pat, p++);
      if (end === 0x5b && at(pat, p) === 0x2e) {
        const startp = p;
        let length = 0;
        for (;;) {
          const d = at(pat, ++p);
          if (d === 0x2e && at(pat, p + 1) === 0x5d) {
            p += 2;
            break;
          }
          if (d === 0) return NO_MATCH;
          ++length;
        }
        if (length !== 1) return NO_MATCH;
        end = at(pat, startp + 1);
      } else {
        if (end === 0x5c) end = at(pat, p++);
        if (end === 0) return NO_MATCH;
      }
      if (rangeStart <= fn && fn <= end) return skipRest(pat, p, negated);
      c = at(pat, p++);
    }
    if (c === 0x5d) break;
  }
  return negated ? p : NO_MATCH;
}
