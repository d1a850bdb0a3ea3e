// The installed packages of a dpkg status file, and the compact text a state record keeps them in (one line each).

export interface Package {
  name: string;
  arch: string;
  version: string;
  /** Installed-Size in KiB, 0 when the package does not say. */
  kib: number;
}

/** The packages dpkg counts as installed ("install ok installed"), sorted by name and architecture. */
export function parseStatus(text: string): Package[] {
  const found: Package[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split('\n')) {
      const m = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!);
    }
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version || fields.get('status') !== 'install ok installed') continue;
    const kib = Number(fields.get('installed-size') ?? 0);
    found.push({ name, arch: fields.get('architecture') || 'all', version, kib: Number.isSafeInteger(kib) && kib >= 0 ? kib : 0 });
  }
  return found.sort((a, b) => (a.name === b.name ? cmp(a.arch, b.arch) : cmp(a.name, b.name)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A package name, architecture and version never hold a space, so a line is their words and the size. */
export function encodeList(packages: Package[]): string {
  return packages.map((p) => `${p.name} ${p.arch} ${p.version} ${p.kib}`).join('\n');
}

export function decodeList(text: string): Package[] {
  if (!text) return [];
  return text.split('\n').map((line) => {
    const [name = '', arch = '', version = '', kib = '0'] = line.split(' ');
    return { name, arch, version, kib: Number(kib) || 0 };
  });
}

/** What a state record's list must look like, checked without decoding it. */
export const LIST_PATTERN = /^(?:[^\s]+ [^\s]+ [^\s]+ \d{1,12}(?:\n|$))*$/;
