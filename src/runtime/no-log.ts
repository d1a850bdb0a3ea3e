// With no_log, no argument value may reach the output: every string given as an argument, and every piece the modules split it into, is masked wherever it appears.
import path from 'node:path';

export const MASK = '********';

/**
 * The pieces a value is made of as the modules read it: its whitespace-separated words (mksquashfs_params,
 * ionice), its comma-separated parts and what follows their `=` (stacked sources `img1,opts1,,img2,opts2`,
 * `subdir=DIR`), and for a part that is a path, the forms the modules report it in (normalized, absolute).
 */
function pieces(value: string): string[] {
  const found = new Set([value, ...value.split(/\s+/)]);
  for (const part of value.split(',')) {
    found.add(part);
    if (part.includes('=')) found.add(part.slice(part.indexOf('=') + 1));
  }
  for (const piece of [...found]) {
    if (piece.includes('/') && !piece.includes('\0')) {
      found.add(path.normalize(piece).replace(/(.)\/+$/, '$1'));
      found.add(path.resolve(piece));
    }
  }
  found.delete('');
  return [...found];
}

function collect(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    for (const piece of pieces(value)) into.add(piece);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) collect(item, into);
  }
}

function mask(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

/** Words this short are masked only where they are a whole value (an argv word): inside text they would mask half of it. */
const SHORTEST_INSIDE = 3;

function scrub(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') return secrets.includes(value) ? MASK : mask(value, secrets.filter((s) => s.length >= SHORTEST_INSIDE));
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k, secrets.filter((s) => s.length >= SHORTEST_INSIDE)), scrub(v, secrets)]));
  }
  return value;
}

export function scrubArgumentValues(result: Record<string, unknown>, args: Record<string, unknown>): Record<string, unknown> {
  const found = new Set<string>();
  collect(args, found);
  const secrets = [...found].sort((a, b) => b.length - a.length);
  return scrub(result, secrets) as Record<string, unknown>;
}
