// The package changelog between two generations: what was added, removed, upgraded and downgraded, and its one-line text.
import type { Package } from './status.js';
import { compareVersions } from './version.js';

export interface VersionChange {
  name: string;
  from: string;
  to: string;
}

export interface PackageChanges {
  added: string[];
  removed: string[];
  upgraded: VersionChange[];
  downgraded: VersionChange[];
}

/** Names installed for several architectures (multiarch) in either list: those are told apart as name:arch. */
function multiarch(...lists: Package[][]): Set<string> {
  const several = new Set<string>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.forEach((p) => (seen.has(p.name) ? several.add(p.name) : seen.add(p.name)));
  }
  return several;
}

export function comparePackages(before: Package[], after: Package[]): PackageChanges {
  const several = multiarch(before, after);
  const byKey = (list: Package[]) => new Map(list.map((p) => [several.has(p.name) ? `${p.name}:${p.arch}` : p.name, p]));
  const old = byKey(before);
  const now = byKey(after);
  const changes: PackageChanges = { added: [], removed: [], upgraded: [], downgraded: [] };
  for (const [key, p] of now) {
    const was = old.get(key);
    if (!was) changes.added.push(key);
    else if (was.version !== p.version) {
      const order = compareVersions(p.version, was.version);
      if (order !== 0) (order > 0 ? changes.upgraded : changes.downgraded).push({ name: key, from: was.version, to: p.version });
    }
  }
  for (const key of old.keys()) if (!now.has(key)) changes.removed.push(key);
  return changes;
}

export function countChanges(c: PackageChanges): number {
  return c.added.length + c.removed.length + c.upgraded.length + c.downgraded.length;
}

/** "14 upgraded (firefox-esr 115.9.0esr-1 -> 115.10.0esr-1, ...), 1 added (zoom)": the first `shown` of each kind. */
export function changesLine(c: PackageChanges, shown = 3): string {
  const part = (label: string, items: string[]) =>
    items.length ? [`${items.length} ${label} (${items.slice(0, shown).join(', ')}${items.length > shown ? ', ...' : ''})`] : [];
  const versions = (list: VersionChange[]) => list.map((v) => `${v.name} ${v.from} -> ${v.to}`);
  const parts = [...part('upgraded', versions(c.upgraded)), ...part('downgraded', versions(c.downgraded)), ...part('added', c.added), ...part('removed', c.removed)];
  return parts.join(', ') || 'no package changed';
}
