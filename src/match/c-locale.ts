// The C locale's character classes ([:alpha:] and the rest): mksquashfs's fnmatch and the kernel patterns' sed and sh both read them so.

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isGraph = (c: number): boolean => c > 0x20 && c < 0x7f;

/** ASCII only: bytes >= 0x80 belong to no class. */
export const C_CLASSES: Readonly<Record<string, (c: number) => boolean>> = {
  alnum: (c) => isDigit(c) || isUpper(c) || isLower(c),
  alpha: (c) => isUpper(c) || isLower(c),
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: isDigit,
  graph: isGraph,
  lower: isLower,
  print: (c) => isGraph(c) || c === 0x20,
  punct: (c) => isGraph(c) && !isDigit(c) && !isUpper(c) && !isLower(c),
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  upper: isUpper,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

/** The class named, or undefined for a name that is not one (a prototype key such as "constructor" included). */
export function cClass(name: string): ((c: number) => boolean) | undefined {
  return Object.prototype.hasOwnProperty.call(C_CLASSES, name) ? C_CLASSES[name] : undefined;
}

const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;

/** A class as the contents of a JS RegExp class, in \xHH ranges: "[:digit:]" gives "\x30-\x39". */
export function cClassSource(test: (c: number) => boolean): string {
  const parts: string[] = [];
  for (let c = 0; c < 0x80; c++) {
    if (!test(c)) continue;
    let end = c;
    while (end + 1 < 0x80 && test(end + 1)) end++;
    parts.push(end === c ? hex(c) : `${hex(c)}-${hex(end)}`);
    c = end;
  }
  return parts.join('');
}
