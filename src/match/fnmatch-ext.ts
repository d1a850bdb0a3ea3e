// glibc's extended patterns (FNM_EXTMATCH: ?(..) *(..) +(..) @(..) !(..)), whose backtracking order decides odd cases such as a leading period inside !(..).
import { at } from './fnmatch-bracket.js';

/** The matcher EXT recurses into: 0 on a match, 1 on none; `end` bounds the string. */
export type Matcher = (pat: string, p: number, str: string, n: number, end: number, noLeadingPeriod: boolean) => number;

const isExtOperator = (c: number): boolean => c === 0x3f || c === 0x2a || c === 0x2b || c === 0x40 || c === 0x21;

/** Skips a bracket inside an extended pattern; returns the index of its ']' or -1 when unterminated. */
function skipBracket(pat: string, p: number): number {
  // Callers stand on '['; a '!' or '^' and then a leading ']' belong to the list.
  if (at(pat, ++p) === 0x21 || at(pat, p) === 0x5e) ++p;
  if (at(pat, p) === 0x5d) ++p;
  while (at(pat, p) !== 0x5d) if (at(pat, p++) === 0) return -1;
  return p;
}

/**
 * glibc's END(): given the index of the '(' of an extended pattern, the index just after
 * its ')', or that '(' index itself when the pattern is not terminated.
 */
export function extEnd(pat: string, start: number): number {
  let p = start;
  for (;;) {
    const c = at(pat, ++p);
    if (c === 0) return start;
    if (c === 0x5b) {
      const close = skipBracket(pat, p);
      if (close < 0) return start;
      p = close;
    } else if (isExtOperator(c) && at(pat, p + 1) === 0x28) {
      p = extEnd(pat, p + 1);
      if (at(pat, p) === 0) return start;
    } else if (c === 0x29) {
      return p + 1;
    }
  }
}

/** Splits the alternatives of the group opening at `open`; null when unterminated. */
function alternatives(pat: string, open: number): { list: string[]; rest: number } | null {
  const list: string[] = [];
  let level = 0;
  let startp = open + 1;
  let p = open + 1;
  for (; level >= 0; ++p) {
    const c = at(pat, p);
    if (c === 0) return null;
    if (c === 0x5b) {
      const close = skipBracket(pat, p);
      if (close < 0) return null;
      p = close;
    } else if (isExtOperator(c) && at(pat, p + 1) === 0x28) {
      ++level;
    } else if (c === 0x29) {
      if (level-- === 0) list.push(pat.slice(startp, p));
    } else if (c === 0x7c && level === 0) {
      list.push(pat.slice(startp, p));
      startp = p + 1;
    }
  }
  return { list, rest: p };
}

/**
 * glibc's EXT(): matches str[n, end) against the operator at open-1 and the group opening
 * at `open`, followed by the rest of the pattern. Returns -1 when the group is malformed,
 * so the caller treats the operator as an ordinary character.
 */
export function matchExtended(fct: Matcher, pat: string, open: number, str: string, n: number, end: number, nlp: boolean): number {
  const parsed = alternatives(pat, open);
  if (!parsed) return -1;
  const { list, rest } = parsed;
  const opt = at(pat, open - 1);
  // After a '/' a period leads again; component patterns hold no '/', so this is rare but exact.
  const leadsAt = (rs: number): boolean => (rs === n ? nlp : str.charCodeAt(rs - 1) === 0x2f);
  switch (opt) {
    case 0x2a:
    case 0x2b:
      if (opt === 0x2a && fct(pat, rest, str, n, end, nlp) === 0) return 0;
      for (const alt of list) {
        for (let rs = n; rs <= end; ++rs) {
          if (fct(alt, 0, str, n, rs, nlp) !== 0) continue;
          if (fct(pat, rest, str, rs, end, leadsAt(rs)) === 0) return 0;
          if (rs !== n && fct(pat, open - 1, str, rs, end, leadsAt(rs)) === 0) return 0;
        }
      }
      return 1;
    case 0x3f:
    case 0x40: {
      if (opt === 0x3f && fct(pat, rest, str, n, end, nlp) === 0) return 0;
      const tail = pat.slice(rest);
      for (const alt of list) if (fct(alt + tail, 0, str, n, end, nlp) === 0) return 0;
      return 1;
    }
    default:
      for (let rs = n; rs <= end; ++rs) {
        if (list.some((alt) => fct(alt, 0, str, n, rs, nlp) === 0)) continue;
        if (fct(pat, rest, str, rs, end, leadsAt(rs)) === 0) return 0;
      }
      return 1;
  }
}
