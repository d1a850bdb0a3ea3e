// A port of glibc's fnmatch(FNM_PATHNAME|FNM_PERIOD|FNM_EXTMATCH) in the C locale, the call mksquashfs -wildcards makes per path component; Node has no fnmatch.
import { at, LITERAL_BRACKET, matchBracket, NO_MATCH } from './fnmatch-bracket.js';
import { extEnd, matchExtended } from './fnmatch-ext.js';

const SLASH = 0x2f;
const PERIOD = 0x2e;

interface StarEnd {
  pattern: number;
  string: number;
  nlp: boolean;
}

/** After '*' with no further '*' in reach: tries each start position for the rest (glibc's `ends` shortcut). */
function afterStar(pat: string, p: number, c: number, str: string, n: number, end: number, nlp: boolean): number | StarEnd {
  let stop = str.indexOf('/', n);
  if (stop < 0 || stop > end) stop = end;
  const found: { end: StarEnd | null } = { end: null };
  const literal = c === 0x5c ? at(pat, p) : c;
  const generic = c === 0x5b || ((c === 0x40 || c === 0x2b || c === 0x21) && at(pat, p) === 0x28);
  for (--p; n < stop; ++n, nlp = false) {
    if (!generic && str.charCodeAt(n) !== literal) continue;
    if (fct(pat, p, str, n, end, nlp, found) === 0) return found.end ?? 0;
  }
  return 1;
}

function star(pat: string, p: number, str: string, n: number, end: number, nlp: boolean): number | StarEnd {
  if (n !== end && str.charCodeAt(n) === PERIOD && nlp) return 1;
  let c: number;
  for (c = at(pat, p++); c === 0x3f || c === 0x2a; c = at(pat, p++)) {
    if (at(pat, p) === 0x28) {
      const endp = extEnd(pat, p);
      if (endp !== p) {
        p = endp;
        continue;
      }
    }
    if (c === 0x3f) {
      if (n === end || str.charCodeAt(n) === SLASH) return 1;
      ++n;
    }
  }
  if (c === 0) {
    const slash = str.indexOf('/', n);
    return slash < 0 || slash >= end ? 0 : 1;
  }
  if (c === SLASH) {
    while (n < end && str.charCodeAt(n) !== SLASH) ++n;
    return n < end && fct(pat, p, str, n + 1, end, true, null) === 0 ? 0 : 1;
  }
  return afterStar(pat, p, c, str, n, end, nlp);
}

/** glibc's FCT(): 0 when str[n, end) matches pat from index p, 1 otherwise. */
function fct(pat: string, p: number, str: string, n: number, end: number, nlp: boolean, ends: { end: StarEnd | null } | null): number {
  for (;;) {
    const c = at(pat, p++);
    if (c === 0) return n === end ? 0 : 1;
    let nextNlp = false;
    switch (c) {
      case 0x3f: {
        if (at(pat, p) === 0x28) {
          const res = matchExtended(matchFrom, pat, p, str, n, end, nlp);
          if (res !== -1) return res;
        }
        if (n === end || str.charCodeAt(n) === SLASH || (str.charCodeAt(n) === PERIOD && nlp)) return 1;
        break;
      }
      case 0x5c: {
        const e = at(pat, p++);
        if (e === 0 || n === end || str.charCodeAt(n) !== e) return 1;
        break;
      }
      case 0x2a: {
        if (at(pat, p) === 0x28) {
          const res = matchExtended(matchFrom, pat, p, str, n, end, nlp);
          if (res !== -1) return res;
        } else if (ends) {
          ends.end = { pattern: p - 1, string: n, nlp };
          return 0;
        }
        const res = star(pat, p, str, n, end, nlp);
        if (typeof res === 'number') return res;
        p = res.pattern;
        n = res.string;
        nlp = res.nlp;
        continue;
      }
      case 0x5b: {
        if (n === end || (str.charCodeAt(n) === PERIOD && nlp) || str.charCodeAt(n) === SLASH) return 1;
        const next = matchBracket(pat, p, str.charCodeAt(n));
        if (next === NO_MATCH) return 1;
        if (next === LITERAL_BRACKET) {
          if (str.charCodeAt(n) !== c) return 1;
        } else {
          p = next;
        }
        break;
      }
      case 0x2b:
      case 0x40:
      case 0x21: {
        if (at(pat, p) === 0x28) {
          const res = matchExtended(matchFrom, pat, p, str, n, end, nlp);
          if (res !== -1) return res;
        }
        if (n === end || str.charCodeAt(n) !== c) return 1;
        break;
      }
      case SLASH:
        if (n === end || str.charCodeAt(n) !== c) return 1;
        nextNlp = true;
        break;
      default:
        if (n === end || str.charCodeAt(n) !== c) return 1;
    }
    nlp = nextNlp;
    ++n;
  }
}

function matchFrom(pat: string, p: number, str: string, n: number, end: number, nlp: boolean): number {
  return fct(pat, p, str, n, end, nlp, null);
}

/**
 * fnmatch(pattern, name, FNM_PATHNAME|FNM_PERIOD|FNM_EXTMATCH) == 0 for latin1 strings
 * (one char per byte), with POSIXLY_CORRECT unset so [^...] negates like [!...].
 */
export function fnmatch(pattern: string, name: string): boolean {
  return fct(pattern, 0, name, 0, name.length, true, null) === 0;
}
