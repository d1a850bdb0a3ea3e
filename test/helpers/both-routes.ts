// Builds one source with each set of mksquashfs_params twice, through the overlay and by the direct read, for the test that proves both give the same bytes. Run inside `unshare --mount`.
import path from 'node:path';
import { execa } from 'execa';
import { mksquashfsArgv, squashCommand, withSourceTime } from '../../src/squashfs/command.js';
import { squashRun } from '../../src/squashfs/direct.js';
import { effectiveExcludes } from '../../src/squashfs/excludes.js';
import { checkParams } from '../../src/squashfs/params.js';
import { cleanOverlay } from './overlay-squash.js';

export interface RoutesJob {
  dir: string;
  source: string;
  stableTime: number;
  /** Each case's name and its mksquashfs_params words. */
  cases: [string, string[]][];
}

export interface RoutesResult {
  name: string;
  /** Whether the direct read was taken (false: both images came through the overlay). */
  direct: boolean;
  overlayImage: string;
  directImage: string;
}

const squash = async (argv: string[]) => void (await execa(argv[0]!, argv.slice(1), { stdio: 'ignore' }));

async function main(job: RoutesJob): Promise<void> {
  const results: RoutesResult[] = [];
  // Cases with the same excludes (-e adds to them) share one cleaned-up overlay, as cleanup leaves excluded files alone.
  const groups = new Map<string, { excludes: string[]; cases: { name: string; params: string[] }[] }>();
  for (const [name, words] of job.cases) {
    const checked = checkParams(words);
    const excludes = effectiveExcludes({}, checked.excludes);
    const key = excludes.join('\n');
    if (!groups.has(key)) groups.set(key, { excludes, cases: [] });
    groups.get(key)!.cases.push({ name, params: checked.params });
  }
  for (const [index, group] of [...groups.values()].entries()) {
    const workDir = path.join(job.dir, `work-${index}`);
    const { sources, layout, root } = await cleanOverlay({ workDir, source: job.source, excludes: group.excludes, stableTime: job.stableTime });
    for (const { name, params } of group.cases) {
      const overlayImage = path.join(job.dir, `${name}.overlay.img`);
      const directImage = path.join(job.dir, `${name}.direct.img`);
      const command = withSourceTime(squashCommand([], root, overlayImage, layout.excludes, params), job.stableTime);
      await squash(mksquashfsArgv(command));
      const direct = await squashRun({ workDir, sources, overlay: true, excludes: group.excludes, overlayOnly: null }, { ...command, output: directImage });
      await squash(mksquashfsArgv(direct.command, direct.extra));
      results.push({ name, direct: direct.extra.length > 0, overlayImage, directImage });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

if (process.argv[2]) await main(JSON.parse(process.argv[2]) as RoutesJob);
