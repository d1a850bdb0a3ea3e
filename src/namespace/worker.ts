// The part of a build that runs inside the private mount+PID namespace: mount, clean up, mksquashfs, find the kernel.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { isContentDiscardedIn, runCleanup } from '../cleanup/index.js';
import { compileExcludes } from '../match/exclude-matcher.js';
import { scanTrees, walkRoots } from '../fingerprint/sources.js';
import { findKernel, type KernelMatch } from '../kernel/find.js';
import { readinessFacts } from '../readiness/facts.js';
import { readFstabs } from '../mount/fstab-files.js';
import { mountSources } from '../mount/mount-sources.js';
import { stabilizeTimes } from '../mount/stable-times.js';
import { errorMessage, ModuleError, oneLine } from '../core/errors.js';
import { formatBytes } from '../report/format.js';
import { failpoint } from '../core/failpoint.js';
import { mksquashfsArgv, type SquashCommand } from '../squashfs/command.js';
import { squashRun } from '../squashfs/direct.js';
import { onPseudoTerminal, ProgressReader } from '../squashfs/progress.js';
import { squashWarnings } from '../squashfs/warnings.js';
import type { StagedKernel, WorkerEvent, WorkerJob, WorkerPhase } from './protocol.js';
import { workDirLayout, type WorkDirLayout } from '../layout/work-dir.js';
import { onLines } from '../core/lines.js';

function send(event: WorkerEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** null: stdin ended with no job (a worker started ahead of a build the run then did not make). */
async function readJob(): Promise<WorkerJob | null> {
  return new Promise((resolve, reject) => {
    process.stdin.once('end', () => resolve(null));
    onLines(process.stdin, (line) => {
      try {
        resolve(JSON.parse(line) as WorkerJob);
      } catch (error) {
        reject(error);
      }
      return true;
    });
  });
}

/** The lines that say what went wrong, else the last few: mksquashfs follows its error with long lists. */
function reason(text: string): string {
  const lines = text.trim().split('\n');
  const errors = lines.filter((l) => /error|fail|not supported|no space|cannot|invalid|unrecogni[sz]ed|fatal/i.test(l));
  return oneLine((errors.length ? errors.slice(0, 2) : lines.slice(-3)).join('\n'));
}

/** Progress readings go out at most every 100 ms, and always the last one. */
function reportProgress(stdout: NodeJS.ReadableStream | null): void {
  const reader = new ProgressReader();
  let sent = 0;
  stdout?.on('data', (chunk: Buffer) => {
    const reading = reader.feed(chunk.toString());
    const now = Date.now();
    if (reading && (now - sent >= 100 || reading.done === reading.total)) {
      sent = now;
      send({ type: 'progress', ...reading });
    }
  });
}

async function squash(job: WorkerJob, planned: SquashCommand, watched: boolean): Promise<void> {
  const { command, extra } = await squashRun(job, planned);
  // mksquashfs stats whole paths (source + entry) against PATH_MAX: run in the tree, the source is `.` and every entry keeps 4093 bytes.
  const full = mksquashfsArgv({ ...command, root: '.' }, extra);
  send({ type: 'squash', argv: full });
  const argv = watched ? onPseudoTerminal(full) : full;
  const child = execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore', all: true, cwd: command.root });
  if (watched) reportProgress(child.stdout);
  const result = await child;
  for (const warning of squashWarnings(result.stderr)) send({ type: 'warning', message: warning });
  if (result.exitCode !== 0) {
    const output = command.output;
    if (/No space left/i.test(`${result.stderr}${result.all}`)) {
      throw new ModuleError(`mksquashfs failed: no space left on the filesystem of ${path.dirname(output)} while writing ${path.basename(output)}; free some space there or move base_dir`);
    }
    const why = reason(result.stderr || result.all || result.message || '');
    throw new ModuleError(`mksquashfs failed (exit ${result.exitCode ?? result.signal}): ${why}`);
  }
}

/** Kernels are tens of MB and initrds hundreds at most: anything bigger (a sparse file, say) is never copied densely to TFTP. */
const LARGEST = { vmlinuz: 256 << 20, initrd: 1 << 30 };

function checkKernelSize(file: string, name: string, largest: number): void {
  const size = fs.statSync(file).size;
  if (size > largest) {
    throw new ModuleError(`The kernel's ${name} in the image is ${formatBytes(size)}, more than the ${formatBytes(largest)} a real one can be; replace it in the source or set kernel: false`);
  }
}

function stageKernel(found: { vmlinuz: string; initrd: string; vmlinuzPath: string; initrdPath: string }, staged: WorkDirLayout['kernel']): StagedKernel {
  checkKernelSize(found.vmlinuzPath, found.vmlinuz, LARGEST.vmlinuz);
  checkKernelSize(found.initrdPath, found.initrd, LARGEST.initrd);
  fs.mkdirSync(staged.dir, { mode: 0o700 });
  const copy = (from: string, to: string) => {
    fs.copyFileSync(from, to);
    const stat = fs.statSync(from);
    fs.utimesSync(to, stat.atime, stat.mtime);
    return to;
  };
  return { vmlinuz: found.vmlinuz, initrd: found.initrd, vmlinuzPath: copy(found.vmlinuzPath, staged.vmlinuz), initrdPath: copy(found.initrdPath, staged.initrd) };
}

async function timed<T>(phase: WorkerPhase, work: () => Promise<T>, state: { phase: WorkerPhase }): Promise<T> {
  state.phase = phase;
  send({ type: 'start', phase });
  await failpoint(phase);
  const start = process.hrtime.bigint();
  const result = await work();
  send({ type: 'phase', phase, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
  return result;
}

export async function workerMain(): Promise<void> {
  const state: { phase: WorkerPhase } = { phase: 'mount' };
  try {
    const job = await readJob();
    if (!job) process.exit(0);
    // The parent keeps our stdin open while it lives; EOF means it died, and as PID 1 our exit ends the whole namespace.
    process.stdin.on('end', () => process.exit(70));
    process.stdin.resume();
    const layout = workDirLayout(job.workDir);
    const root = await timed('mount', () => mountSources(layout, job.sources, job.overlay), state);
    if (job.fstab) send({ type: 'fstab', ...(await readFstabs(root)) });
    if (job.scan) {
      const scan = job.scan;
      const roots = walkRoots(job.sources, (s, i) => (i === 0 ? root : path.join(root, s.subdir ?? '')));
      const xattrs = scan.xattrs ? { record: null, write: false } : null;
      const options = { excludes: scan.excludes, cacheFile: scan.cacheFile, compare: 'checksum' as const, manifestFile: layout.manifest, xattrs, overlay: scan.overlay, earlier: scan.earlier };
      const done = await timed('scan', () => scanTrees(roots, { ...options, ...(scan.cleanup ? { contentDiscarded: isContentDiscardedIn } : {}) }), state);
      send({ type: 'scan', ...done });
    }
    if (job.cleanup) {
      const matcher = compileExcludes(job.excludes ?? []);
      const context = { excluded: (rel: string) => matcher.excludes(Buffer.from(rel).toString('latin1')) };
      send({ type: 'cleanup', steps: await timed('cleanup', () => runCleanup(root, context), state) });
      if (job.stableTime !== undefined && job.stableTime !== null) stabilizeTimes(layout, job.sources, job.stableTime);
    }
    if (job.mksquashfs) await timed('mksquashfs', () => squash(job, job.mksquashfs!, job.progress === true), state);
    let found: KernelMatch | null = null;
    if (job.kernel) {
      const pattern = job.kernel.userPattern ?? undefined;
      const kernel = await timed('kernel', async () => {
        found = await findKernel(root, pattern);
        return found ? stageKernel(found, layout.kernel) : null;
      }, state);
      send({ type: 'kernel', kernel });
    }
    if (job.readiness) send({ type: 'readiness', facts: await timed('readiness', () => readinessFacts(root, found), state) });
    send({ type: 'done' });
    process.exit(0);
  } catch (error) {
    send({ type: 'error', phase: state.phase, message: oneLine(errorMessage(error)), complete: error instanceof ModuleError });
    process.exit(1);
  }
}
