// The module's central promise, tried as an attacker would: after any change, `ok` exactly when a forced build of the source gives the published image byte for byte (images are reproducible), `changed` exactly when it does not.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runModule, type ModuleRun } from '../helpers/run-module.js';
import { requireRoot } from '../helpers/root.js';
import { settle } from '../helpers/settle.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';
import { Ext4Loop } from './ext4-loop.js';
import { imageSha, tftpState, timesOnly } from './images.js';
import { mutateOnce, mutations, type Mutation } from './mutations.js';
import { Excludes } from './excludes.js';
import { LAYOUTS, Random, World } from './world.js';

const MODES = ['mtime', 'checksum'] as const;
type Mode = (typeof MODES)[number];

/**
 * ORACLE_SEEDS (comma-separated) and ORACLE_STEPS (per seed) come from `npm run oracle -- --seeds 1,2 --steps 5000`;
 * ORACLE_VERBOSE prints every answer; ORACLE_MODULE tries another ltsp_image bundle (another version's) than this checkout's.
 */
const seeds = (process.env.ORACLE_SEEDS ?? '1,2,3,4,5,6').split(',').map(Number);
const steps = Number(process.env.ORACLE_STEPS ?? 50);

/**
 * The answers the promise allows beside the byte comparison, by name: each is a design decision the README lists
 * under "When ltsp_image rebuilds". A mode's image that took one is rebuilt by force before the next step.
 */
const EXCEPTIONS = {
  mtimeBlind: 'compare: mtime does not read content: a file rewritten with its size and mtime restored is not seen (checksum mode catches it)',
  checksumTimes: 'compare: checksum compares content, not file times: a change of times alone keeps the image',
  dirTimes: 'a directory is compared by type, mode and owner: its mtime alone (which moves whenever an excluded entry comes or goes) keeps the image',
  settings: 'a changed setting rebuilds without comparing images, even when the image comes out the same',
  diskIdentity: 'compare: mtime counts a disk source by the disk file\'s identity: a write to the disk that leaves the image the same rebuilds (checksum mode walks it)',
};

interface Tally {
  steps: number;
  disagreements: string[];
  exceptions: Map<string, number>;
}
const tally: Tally = { steps: 0, disagreements: [], exceptions: new Map() };

describe('oracle: ok exactly when a forced build gives the published bytes', function () {
  after(() => {
    const named = [...tally.exceptions].map(([name, n]) => `${n} ${name}`).join(', ');
    process.stdout.write(`      oracle: ${tally.steps} steps, ${seeds.length} seeds, ${tally.disagreements.length} disagreements${named ? ` (named exceptions: ${named})` : ''}\n`);
  });

  for (const seed of seeds) {
    const layout = LAYOUTS[(seed - 1 + LAYOUTS.length) % LAYOUTS.length]!;
    it(`seed ${seed} (${layout} source): ${steps} random changes, each answered in both compare modes and checked against a forced build`, async function () {
      requireRoot(this);
      this.timeout(steps * 30_000 + 120_000);
      const scratch = await scratchDir(`oracle-${seed}-`);
      const loop = await Ext4Loop.make(scratch);
      const disk = layout === 'disk' ? await Ext4Loop.make(scratch, 'disk', 16) : null;
      const found: string[] = [];
      try {
        const base = path.join(scratch, 'ltsp');
        const tftp = path.join(scratch, 'tftp');
        const refBase = path.join(scratch, 'ref');
        const refTftp = path.join(scratch, 'ref-tftp');
        const nameOf = (mode: Mode): string => `o-${mode}`;
        const excludes = new Excludes(path.join(scratch, 'conf'));
        const w = new World(layout, loop, disk, excludes, MODES.map((mode) => path.join(tftp, 'ltsp', nameOf(mode))), new Random(seed));
        await w.populate();
        await settle();
        const all = mutations(w);
        const args = (mode: Mode): Record<string, unknown> => ({
          name: w.name,
          image_name: nameOf(mode),
          base_dir: base,
          tftp_dir: tftp,
          compare: mode,
          ...w.excludes.args(),
        });
        const ran = async (input: Record<string, unknown>): Promise<ModuleRun> => {
          const started = Date.now();
          const run = await runModule('ltsp_image', input, process.env.ORACLE_MODULE ? { file: process.env.ORACLE_MODULE } : {});
          assert.equal(run.code, 0, `seed ${seed}: ${run.stdout} ${run.stderr}`);
          // Where a step's time goes: each run's wall time and the module's own phases.
          if (process.env.ORACLE_VERBOSE) process.stdout.write(`        ${String(input.image_name)}${input.force ? ' forced' : ''}: ${Date.now() - started} ms ${JSON.stringify(run.result.durations)}\n`);
          return run;
        };
        for (const mode of MODES) await ran(args(mode));

        const log: string[] = [];
        for (let step = 1; step <= steps; step++) {
          w.configMoved = false;
          w.diskWritten = false;
          const { mutation, what } = await mutateOnce(w, all);
          log.push(`${step}: ${mutation.name}: ${what}`);
          await settle();
          // A disk source's image takes its time from the disk file in mtime mode (not walked), from the newest file in it in checksum mode: a forced build each.
          const refModes: readonly Mode[] = layout === 'disk' ? MODES : ['mtime'];
          fs.rmSync(refBase, { recursive: true, force: true });
          fs.rmSync(refTftp, { recursive: true, force: true });
          const forcedBuild = async (mode: Mode): Promise<[Mode, { forced: string; reference: Seen }]> => {
            await ran({ ...args(mode), base_dir: refBase, tftp_dir: refTftp, image_name: `ref-${mode}` });
            const forced = path.join(refBase, `images/ref-${mode}.img`);
            return [mode, { forced, reference: { image: await imageSha(forced), tftp: await tftpState(path.join(refTftp, `ltsp/ref-${mode}`)) } }];
          };
          const image = (mode: Mode): string => path.join(base, 'images', `${nameOf(mode)}.img`);
          const seen = async (mode: Mode): Promise<Seen> => ({ image: await imageSha(image(mode)), tftp: await tftpState(w.tftpDirs[MODES.indexOf(mode)]!) });
          const before = await Promise.all(MODES.map(seen));
          // The forced builds and both modes' runs read the same tree and write apart: side by side, a step costs its slowest run.
          const [refs, runs] = await Promise.all([Promise.all(refModes.map(forcedBuild)).then((built) => new Map(built)), Promise.all(MODES.map((mode) => ran(args(mode))))]);
          const after = await Promise.all(MODES.map(seen));
          const astray: Mode[] = [];
          for (const [i, mode] of MODES.entries()) {
            const { forced, reference } = refs.get(mode) ?? refs.get('mtime')!;
            const run = runs[i]!;
            if (process.env.ORACLE_VERBOSE) process.stdout.write(`      ${log[log.length - 1]} -> ${mode}: ${String(run.result.reason)}\n`);
            const verdict = await judge(mode, mutation, run, before[i]!, after[i]!, reference, { forced, image: image(mode), scratch, configMoved: w.configMoved, diskWritten: w.diskWritten });
            if (verdict === null) continue;
            if ('exception' in verdict) tally.exceptions.set(verdict.exception, (tally.exceptions.get(verdict.exception) ?? 0) + 1);
            else found.push(`seed ${seed} step ${step} (${mutation.name}: ${what}), compare: ${mode}: ${verdict.disagreement}`);
            if (!('aligned' in verdict)) astray.push(mode);
          }
          // Back in line with the source, so the next step is judged on its own change.
          await Promise.all(astray.map((mode) => ran({ ...args(mode), force: true })));
          tally.steps++;
        }
        if (found.length > 0) assert.fail(`${found.length} disagreements:\n${found.join('\n')}\nsteps of seed ${seed}:\n${log.join('\n')}`);
      } finally {
        tally.disagreements.push(...found);
        await disk?.remove();
        await loop.remove();
        await removeScratch(scratch);
      }
    });
  }
});

interface Seen {
  image: string;
  tftp: string;
}

const REBUILDS = ['source_changed', 'config_changed'];

/** null when the answer keeps the promise; else what broke it, or the named exception it falls under. */
async function judge(
  mode: Mode,
  mutation: Mutation,
  run: ModuleRun,
  before: Seen,
  after: Seen,
  reference: Seen,
  where: { forced: string; image: string; scratch: string; configMoved: boolean; diskWritten: boolean },
): Promise<{ disagreement: string } | { exception: string; aligned?: true } | null> {
  const reason = String(run.result.reason);
  const drift = run.result.drift ? ` ${JSON.stringify(run.result.drift)}` : '';
  const rebuilt = REBUILDS.includes(reason);
  if (before.image !== reference.image && !rebuilt) {
    if (mode === 'mtime' && mutation.mtimeBlind) return { exception: EXCEPTIONS.mtimeBlind };
    // Compared with the published image, which the run left alone.
    const kinds = await timesOnly(where.image, where.forced, where.scratch);
    if (kinds && mode === 'checksum') return { exception: EXCEPTIONS.checksumTimes };
    if (kinds && [...kinds].every((kind) => kind === 'd')) return { exception: EXCEPTIONS.dirTimes };
    return { disagreement: `answered ${reason}, but a forced build gives other bytes` };
  }
  if (before.image === reference.image && rebuilt) {
    const allowed = reason === 'config_changed' && where.configMoved ? EXCEPTIONS.settings : reason === 'source_changed' && mode === 'mtime' && where.diskWritten ? EXCEPTIONS.diskIdentity : null;
    if (!allowed) return { disagreement: `answered ${reason}${drift}, but a forced build gives the published bytes` };
    // It rebuilt: what it published must be the forced build's all the same, and then it is in line already.
    if (after.image === reference.image && after.tftp === reference.tftp) return { exception: allowed, aligned: true };
  }
  if (!rebuilt && (reason === 'kernel') !== (before.tftp !== reference.tftp)) {
    return { disagreement: `answered ${reason} with TFTP holding ${before.tftp}, where a forced build installs ${reference.tftp}` };
  }
  if (after.image !== reference.image) return { disagreement: `answered ${reason}, and the published image is not the forced build's` };
  if (after.tftp !== reference.tftp) return { disagreement: `answered ${reason}, and TFTP holds ${after.tftp}, where a forced build installs ${reference.tftp}` };
  return null;
}
