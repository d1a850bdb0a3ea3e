// With no_log, no argument value may reach the output: every string given as an argument is masked wherever it appears.
export const MASK = '********';

/**
 * Whole values, and each whitespace-separated word of them: options given as one string (mksquashfs_params,
 * ionice) are split into argv words that reach the output (`command`) on their own.
 */
function collect(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value) into.add(value);
    for (const word of value.split(/\s+/)) if (word) into.add(word);
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
