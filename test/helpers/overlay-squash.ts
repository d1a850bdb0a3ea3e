// Builds an image the way builds did before mksquashfs read sources directly (cleanup on the overlay, mksquashfs on the overlay), for tests that prove both give the same bytes. Run inside `unshare --mount`.
import { execa } from 'execa';
import { runCleanup } from '../../src/cleanup/index.js';
import { compileExcludes, type ExcludeMatcher } from '../../src/match/exclude-matcher.js';
import { mountSources } from '../../src/mount/mount-sources.js';
import { stabilizeTimes } from '../../src/mount/stable-times.js';
import { mksquashfsArgv, type SquashCommand } from '../../src/squashfs/command.js';
import { planDirectRead } from '../../src/squashfs/direct.js';
import type { ResolvedSource } from '../../src/source/resolve.js';
import { makeWorkDir, workDirLayout, type WorkDirLayout } from '../../src/layout/work-dir.js';

export interface OverlaySquashJob {
  workDir: string;
  source: string;
  excludes: string[];
  stableTime: number;
  command: SquashCommand;
}

export interface CleanOverlay {
  sources: ResolvedSource[];
  layout: WorkDirLayout;
  /** The overlay's root, cleaned up. */
  root: string;
  matcher: ExcludeMatcher;
}

/** Mounts the source's overlay in a new work dir and runs cleanup on it, as a build's worker does. */
export async function cleanOverlay(job: Omit<OverlaySquashJob, 'command'>): Promise<CleanOverlay> {
  const sources: ResolvedSource[] = [{ spec: job.source, path: job.source, kind: 'directory', options: [] }];
  makeWorkDir(job.workDir, job.excludes);
  const layout = workDirLayout(job.workDir);
  const root = await mountSources(layout, sources, true);
  const matcher = compileExcludes(job.excludes);
  await runCleanup(root, { excluded: (rel) => matcher.excludes(Buffer.from(rel).toString('latin1')) });
  stabilizeTimes(layout, sources, job.stableTime);
  return { sources, layout, root, matcher };
}

/** Prints whether the direct read would have been used, then squashes the overlay. */
async function main(job: OverlaySquashJob): Promise<void> {
  const { layout, root, matcher } = await cleanOverlay(job);
  const direct = planDirectRead({ source: job.source, upper: layout.upper(0), matcher });
  const argv = mksquashfsArgv({ ...job.command, root, excludesFile: layout.excludes });
  await execa(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  process.stdout.write(JSON.stringify({ direct: direct !== null, pseudo: direct?.pseudo.length ?? 0, excluded: direct?.excludes.length ?? 0 }));
}

if (process.argv[1]?.endsWith('overlay-squash.js') && process.argv[2]) await main(JSON.parse(process.argv[2]) as OverlaySquashJob);
