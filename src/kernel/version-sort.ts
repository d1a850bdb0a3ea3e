// `ltsp kernel` takes the first match of `ls -rv`, so the newest kernel wins; this is GNU's version order (filevercmp).

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Length of `s` without its file suffix, the longest match of (\.[A-Za-z~][A-Za-z0-9~]*)*$,
 * which GNU compares only when the rest is equal (so "a.tar.gz" sorts with "a").
 */
function prefixLength(s: string): number {
  const n = s.length;
  let prefix = 0;
  let i = 0;
  while (i < n) {
    i++;
    prefix = i;
    while (i + 1 < n && s.charCodeAt(i) === 0x2e && (isAlpha(s.charCodeAt(i + 1)) || s.charCodeAt(i + 1) === 0x7e)) {
      for (i += 2; i < n && (isAlpha(s.charCodeAt(i)) || isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x7e); i++);
    }
  }
  return prefix;
}

/** Weight of a non-digit character: end of string and "~" first, then letters, then everything else. */
function order(s: string, pos: number, len: number): number {
  if (pos === len) return -1;
  const c = s.charCodeAt(pos);
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -2;
  return c + 0x100;
}

/** Debian's verrevcmp on the first `aLen`/`bLen` characters: digit runs compare as numbers. */
function verrevcmp(a: string, aLen: number, b: string, bLen: number): number {
  let i = 0;
  let j = 0;
  while (i < aLen || j < bLen) {
    let firstDiff = 0;
    while ((i < aLen && !isDigit(a.charCodeAt(i))) || (j < bLen && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a, i, aLen);
      const bc = order(b, j, bLen);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (i < aLen && a.charCodeAt(i) === 0x30) i++;
    while (j < bLen && b.charCodeAt(j) === 0x30) j++;
    while (i < aLen && j < bLen && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < aLen && isDigit(a.charCodeAt(i))) return 1;
    if (j < bLen && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** GNU filevercmp: negative, zero or positive like a comparator, as used by `ls -v` and `sort -V`. */
export function filevercmp(a: string, b: string): number {
  if (a === '' || b === '') return (a === '' ? 0 : 1) - (b === '' ? 0 : 1);
  if (a.startsWith('.') !== b.startsWith('.')) return a.startsWith('.') ? -1 : 1;
  if (a.startsWith('.')) {
    for (const special of ['.', '..']) {
      if (a === special || b === special) return a === b ? 0 : a === special ? -1 : 1;
    }
  }
  const aPrefix = prefixLength(a);
  const bPrefix = prefixLength(b);
  const result = verrevcmp(a, aPrefix, b, bPrefix);
  if (result !== 0 || (aPrefix === a.length && bPrefix === b.length)) return result;
  return verrevcmp(a, a.length, b, b.length);
}

/** Newest first, like `ls -rv`: ties in version order fall back to plain byte order, reversed too. */
export function sortVersionsDescending(names: readonly string[]): string[] {
  return [...names].sort((a, b) => {
    const byVersion = filevercmp(b, a);
    if (byVersion !== 0) return byVersion;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}
