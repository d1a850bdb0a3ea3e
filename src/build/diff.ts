// Ansible's diff mode for a rebuild: the drifted paths as before/after text, capped so a huge drift stays readable.
import type { Drift } from '../fingerprint/sources.js';

function lines(paths: string[], total: number, mark: string): string {
  const shown = paths.map((p) => `${mark} ${p}`);
  if (total > paths.length) shown.push(`${mark} ... and ${total - paths.length} more`);
  return shown.length ? `${shown.join('\n')}\n` : '';
}

export function driftDiff(image: string, drift: Drift): Record<string, string> {
  return {
    before_header: `${image} (source at the last build)`,
    after_header: `${image} (source now)`,
    before: lines(drift.removed_paths, drift.removed, 'removed:') + lines(drift.modified_paths, drift.modified, 'modified:'),
    after: lines(drift.added_paths, drift.added, 'added:') + lines(drift.modified_paths, drift.modified, 'modified:'),
  };
}
