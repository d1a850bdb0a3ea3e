// Gives what cleanup rewrote on the overlay the times of the source's originals, so rebuilding an unchanged source is byte-identical.
import fs from 'node:fs';
import path from 'node:path';
import { hostTree } from '../source/kinds.js';
import type { ResolvedSource } from '../source/resolve.js';
import type { WorkDirLayout } from '../layout/work-dir.js';

function entries(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    out.push(child);
    if (entry.isDirectory()) out.push(...entries(dir, child));
  }
  return out;
}

/** Files cleanup created (a new resolv.conf link) get `fallback`, the source's newest time, as the image itself does. */
export function stabilizeTimes(layout: WorkDirLayout, sources: ResolvedSource[], fallback: number): number {
  let fixed = 0;
  for (const [index, source] of sources.entries()) {
    const upper = layout.upper(index);
    const lower = hostTree(source) ?? layout.lower(index);
    const target = index === 0 ? layout.root : path.join(layout.root, source.subdir ?? '');
    // Deepest first, so setting a file's times never happens after its directory's were set.
    for (const rel of entries(upper).reverse().concat([''])) {
      const merged = path.join(target, rel);
      if (!fs.lstatSync(merged, { throwIfNoEntry: false })) continue;
      const original = fs.lstatSync(path.join(lower, rel), { throwIfNoEntry: false });
      if (original) fs.lutimesSync(merged, original.atime, original.mtime);
      else fs.lutimesSync(merged, fallback, fallback);
      fixed++;
    }
  }
  return fixed;
}
