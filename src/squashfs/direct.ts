// Lets mksquashfs read a lone directory source itself instead of the overlay (overlayfs lookups cost most on trees of many small files): what cleanup changed on the overlay is excluded from the source and given back as pseudo files.
import fs from 'node:fs';
import path from 'node:path';
import { compileExcludes, type ExcludeMatcher } from '../match/exclude-matcher.js';
import { readXattrsSync } from '../fingerprint/xattrs.js';
import { bindSourceReadOnly } from '../mount/mount-sources.js';
import { workDirLayout } from '../layout/work-dir.js';
import type { ResolvedSource } from '../source/resolve.js';
import { LAST_SQUASHFS_TIME, type SquashCommand } from './command.js';
import { forcesOverlay } from './params.js';

export interface DirectRead {
  /** Exclude lines (literal paths) for what cleanup rewrote or removed. */
  excludes: string[];
  /** mksquashfs pseudo definitions (-pf) giving back what cleanup rewrote or created. */
  pseudo: string[];
  /** The overlay's root is its upper dir, 0755 root:root with the source's time (see mount-sources.ts): so is this one. */
  rootOptions: string[];
}

export interface DirectInput {
  /** The source directory (the overlay's lower dir). */
  source: string;
  /** The overlay's upper dir, where cleanup's changes are. */
  upper: string;
  /** The image's excludes: nothing they leave out is given back. */
  matcher: ExcludeMatcher;
}

/** Paths that read the same as an exclude line, a pseudo file name and a shell word: anything else keeps the overlay. */
const PLAIN = /^[A-Za-z0-9._+,=@:~/-]+$/;

/** What overlayfs sets on any copy-up; any other xattr (an opaque or redirected directory's too) is what a pseudo file would lose. */
const COPY_UP_MARKS = ['trusted.overlay.origin', 'trusted.overlay.impure'];

/** Whether any of the paths carries an xattr the overlay would show (a path that cannot be read counts); null without python3. */
function anyXattr(paths: string[]): boolean | null {
  const answers = readXattrsSync(paths);
  return answers && answers.some((a) => 'error' in a || a.some((x) => !COPY_UP_MARKS.includes(x.name)));
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
const octal = (mode: number): string => (mode & 0o7777).toString(8);

/** Whole seconds as squashfs stores them, or null when they do not fit (then the overlay decides). */
function seconds(stat: fs.Stats): number | null {
  const t = Math.floor(stat.mtimeMs / 1000);
  return t >= 0 && t <= LAST_SQUASHFS_TIME ? t : null;
}

/**
 * What mksquashfs needs to build from `source` the very image the overlay would give, or null when
 * that cannot be said exactly: a new or opaque directory, a changed directory, a hard link, a device,
 * a name or link target outside PLAIN, an xattr on a changed file or on the source root (the overlay's root has none).
 */
export function planDirectRead(input: DirectInput): DirectRead | null {
  const { source, upper, matcher } = input;
  // A source given through a symlink: the overlay's root takes the link's time or the directory's, depending on cleanup.
  const rootStat = fs.lstatSync(source);
  const rootTime = rootStat.isDirectory() ? seconds(rootStat) : null;
  if (rootTime === null) return null;
  const plan: DirectRead = { excludes: [], pseudo: [], rootOptions: ['-root-mode', '755', '-root-uid', '0', '-root-gid', '0', '-root-time', String(rootTime)] };
  const changed: string[] = [source];
  const visit = (rel: string): boolean => {
    for (const name of fs.readdirSync(path.join(upper, rel))) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (!PLAIN.test(child)) return false;
      if (matcher.excludes(child)) continue;
      const stat = fs.lstatSync(path.join(upper, child));
      const lower = fs.lstatSync(path.join(source, child), { throwIfNoEntry: false });
      const time = seconds(stat);
      if (time === null) return false;
      changed.push(path.join(upper, child));
      if (stat.isCharacterDevice() && stat.rdev === 0) {
        // A whiteout: cleanup removed what the source has there.
        if (lower) plan.excludes.push(child);
      } else if (stat.isDirectory()) {
        const same = lower?.isDirectory() && lower.mode === stat.mode && lower.uid === stat.uid && lower.gid === stat.gid && seconds(lower) === time;
        if (!same || !visit(child)) return false;
      } else if (stat.isFile() && stat.nlink === 1) {
        if (lower) plan.excludes.push(child);
        plan.pseudo.push(`${child} F ${time} ${octal(stat.mode)} ${stat.uid} ${stat.gid} cat ${quote(path.join(upper, child))}`);
      } else if (stat.isSymbolicLink()) {
        const target = fs.readlinkSync(path.join(upper, child));
        if (!PLAIN.test(target)) return false;
        if (lower) plan.excludes.push(child);
        plan.pseudo.push(`${child} S ${time} 777 ${stat.uid} ${stat.gid} ${target}`);
      } else {
        return false;
      }
    }
    return true;
  };
  if (!visit('')) return null;
  // Directories copied up keep the source's xattrs (any makes this null, which only costs speed); a rewritten file or the image root must have none.
  return anyXattr(changed) === false ? plan : null;
}

export interface DirectJob {
  workDir: string;
  sources: ResolvedSource[];
  overlay: boolean;
  excludes?: string[];
  overlayOnly?: string | null;
}

/**
 * The mksquashfs run for a build: with one directory source on an overlay, the source itself (bound
 * read-only beside the overlay) with cleanup's changes as exclude lines and pseudo files; else the overlay,
 * also when the source holds what only the overlay hides (job.overlayOnly, from the walk).
 */
export async function squashRun(job: DirectJob, command: SquashCommand): Promise<{ command: SquashCommand; extra: string[] }> {
  const source = job.sources[0];
  // Only a tree on the host can be read directly: any other kind is read through its mount.
  if (!job.overlay || job.sources.length !== 1 || source?.kind !== 'directory' || job.overlayOnly) return { command, extra: [] };
  // Owners, times or modes the user forces on every entry: whether mksquashfs forces them on pseudo files too is not ours to bet on.
  if (forcesOverlay(command.params)) return { command, extra: [] };
  const layout = workDirLayout(job.workDir);
  const plan = planDirectRead({ source: source.path, upper: layout.upper(0), matcher: compileExcludes(job.excludes ?? []) });
  if (!plan) return { command, extra: [] };
  const root = await bindSourceReadOnly(source, layout.direct.root);
  const excludesFile = layout.direct.excludes;
  const listed = fs.readFileSync(command.excludesFile, 'utf8');
  fs.writeFileSync(excludesFile, `${listed}${listed === '' || listed.endsWith('\n') ? '' : '\n'}${plan.excludes.map((p) => `${p}\n`).join('')}`, { mode: 0o600 });
  const pseudoFile = layout.direct.pseudo;
  fs.writeFileSync(pseudoFile, plan.pseudo.map((line) => `${line}\n`).join(''), { mode: 0o600 });
  return { command: { ...command, root, excludesFile }, extra: ['-pf', pseudoFile, ...plan.rootOptions] };
}
