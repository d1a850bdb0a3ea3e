// Ansible hands `key=value` task arguments over as strings; accept them for bool, int and list options as AnsibleModule does.
type PropSchema = { type?: string | string[] };

/** The strings AnsibleModule reads as true and false. */
const TRUE = ['yes', 'on', '1', 'true', 't', 'y'];
const FALSE = ['no', 'off', '0', 'false', 'f', 'n'];

/** true or false for one of AnsibleModule's yes/no words (any case), undefined for anything else. */
export function parseBoolean(word: string): boolean | undefined {
  const lower = word.trim().toLowerCase();
  return TRUE.includes(lower) ? true : FALSE.includes(lower) ? false : undefined;
}

function types(prop: PropSchema): string[] {
  return ([] as string[]).concat(prop.type ?? []);
}

function coerceOne(value: unknown, prop: PropSchema): unknown {
  if (typeof value !== 'string') return value;
  const allowed = types(prop);
  if (allowed.includes('string')) return value;
  const lower = value.trim().toLowerCase();
  if (allowed.includes('boolean')) {
    const flag = parseBoolean(lower);
    if (flag !== undefined) return flag;
  }
  if (allowed.includes('integer') && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  if (allowed.includes('array')) return value.split(',').map((item) => item.trim()).filter(Boolean);
  return value;
}

/** Never turns a number into a string: `{"name": 5}` stays a type error, as it should. */
export function coerceStrings(options: Record<string, unknown>, properties: Record<string, PropSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const prop = properties[key];
    out[key] = prop ? coerceOne(value, prop) : value;
  }
  return out;
}
