// With no_log, no argument value may reach the output: every string given as an argument is masked wherever it appears.
export const MASK = '********';

function collect(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value) into.add(value);
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

function scrub(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') return mask(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k, secrets), scrub(v, secrets)]));
  }
  return value;
}

export function scrubArgumentValues(result: Record<string, unknown>, args: Record<string, unknown>): Record<string, unknown> {
  const found = new Set<string>();
  collect(args, found);
  const secrets = [...found].sort((a, b) => b.length - a.length);
  return scrub(result, secrets) as Record<string, unknown>;
}
