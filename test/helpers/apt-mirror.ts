// Finds the Debian mirror this machine's apt uses, since tests may only reach that mirror and not the wider internet.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  file: string;
}

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** One-line format: `deb [arch=amd64 signed-by=...] URI SUITE COMPONENT...`. */
export function parseOneLine(text: string, file: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type && uri && suite) sources.push({ types: [type], uris: [uri], suites: [suite], file });
  }
  return sources;
}

/** deb822 format (*.sources): stanzas of `Field: value` separated by blank lines. */
export function parseDeb822(text: string, file: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      if (/^\s/.test(line) && last) fields[last] += ` ${line.trim()}`;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) {
        last = match[1]!.toLowerCase();
        fields[last] = match[2]!.trim();
      }
    }
    if (!fields.types || !fields.uris || !fields.suites || fields.enabled?.toLowerCase() === 'no') continue;
    const words = (value: string): string[] => value.split(/\s+/).filter(Boolean);
    sources.push({ types: words(fields.types), uris: words(fields.uris), suites: words(fields.suites), file });
  }
  return sources;
}

/** Every `deb` source apt reads: sources.list and sources.list.d/*.list and *.sources. */
export async function aptSources(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const read = (file: string): Promise<string> => fs.readFile(file, 'utf8').catch(() => '');
  const sources = parseOneLine(await read(path.join(etcApt, 'sources.list')), path.join(etcApt, 'sources.list'));
  const dir = path.join(etcApt, 'sources.list.d');
  const names = (await fs.readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.endsWith('.list')) sources.push(...parseOneLine(await read(file), file));
    if (name.endsWith('.sources')) sources.push(...parseDeb822(await read(file), file));
  }
  return sources.filter((source) => source.types.includes('deb'));
}

/**
 * The mirror for `suite`: $LTSP_TEST_DEBIAN_MIRROR if set, else the first apt source carrying that suite
 * (not a security or mirror+/tor+ URI), else the first one whose path ends in /debian, else deb.debian.org.
 */
export async function debianMirror(suite = 'bookworm', etcApt = '/etc/apt'): Promise<string> {
  const override = process.env.LTSP_TEST_DEBIAN_MIRROR;
  if (override) return override;
  const candidates = (await aptSources(etcApt)).flatMap((source) =>
    source.uris
      .filter((uri) => /^(https?|file):/.test(uri) && !/security/.test(uri))
      .map((uri) => ({ uri: uri.replace(/\/+$/, ''), suites: source.suites })),
  );
  const bySuite = candidates.find((c) => c.suites.includes(suite));
  if (bySuite) return bySuite.uri;
  const byPath = candidates.find((c) => c.uri.endsWith('/debian'));
  return byPath?.uri ?? DEFAULT_MIRROR;
}
