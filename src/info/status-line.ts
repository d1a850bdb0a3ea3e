// One line per image that an admin reads at night: which generation is active, since when and why, whether it was boot-checked, and what is pending.
import type { BootReport } from '../boot/check.js';
import { readinessLine } from '../steps/readiness.js';
import type { ImageInfo } from './inspect.js';

function minute(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 16) : 'unknown time';
}

function driftNote(image: ImageInfo): string | null {
  if (image.held) return 'held after a revert';
  if (image.drifted === true) {
    const d = image.drift;
    return d ? `source drifted (${d.added} added, ${d.removed} removed, ${d.modified} modified)` : 'source drifted';
  }
  return image.drifted === false ? 'source unchanged' : null;
}

/** Generations past keep that stay because a client may still run them: `keeps chroot.img.2 (backs /dev/loop0)`. */
function keptNote(image: ImageInfo): string | null {
  const kept = image.generations.filter((g) => g.kept_because);
  return kept.length ? `keeps ${kept.map((g) => `${g.path.slice(g.path.lastIndexOf('/') + 1)} (${g.kept_because})`).join(', ')}` : null;
}

/** Why the active generation was built, with its package changelog when its build recorded one. */
function why(image: ImageInfo): string {
  const packages = image.history.find((h) => h.generation === image.generation)?.packages;
  const said = [image.reason, packages].filter(Boolean).join('; ');
  return said ? ` (${said})` : '';
}

/** `chroot: generation 3, built 2026-12-06 02:13 (source_changed; 1 upgraded (hello 2.10-2 -> 2.10-3)), boot-checked in 84 s (tcg), source unchanged`. */
export function statusLine(image: ImageInfo & { boot?: BootReport }): string {
  const parts = [
    `generation ${image.generation ?? '?'}, built ${minute(image.built_at)}${why(image)}`,
    image.boot_checked ? `boot-checked in ${image.boot_checked.seconds} s (${image.boot_checked.accel})` : 'not boot-checked',
    driftNote(image),
    keptNote(image),
    image.rejected ? `a build failed its boot check at ${minute(image.rejected.at)} (${image.rejected.ended})` : null,
    image.boot ? (image.boot.reached ? `boots now (${image.boot.seconds} s)` : `does not boot now (${image.boot.ended})`) : null,
    readinessLine(image.readiness),
  ];
  return `${image.name}: ${parts.filter((p): p is string => p !== null).join(', ')}`;
}
