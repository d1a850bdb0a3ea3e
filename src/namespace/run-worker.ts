// Starts the namespace worker (this same program, re-executed under unshare) and turns its events into a result or a clear failure.
import { execa } from 'execa';
import { ModuleError, oneLine } from '../core/errors.js';
import { WORKER_FLAG, type WorkerEvent, type WorkerJob } from './protocol.js';
import { onLines } from '../core/lines.js';
import { privateRootPrefix, rootIsMountPoint } from './private-root.js';

/** unshare gives the worker its own mount and PID namespaces; --kill-child takes it down if unshare dies. */
const UNSHARE = ['unshare', '--mount', '--pid', '--fork', '--kill-child=SIGKILL'];

/** The worker's argv: its namespace's mounts private (no mount it makes reaches the host's namespace), by unshare or, in a chroot, by privateRootPrefix. */
export function workerArgv(entry = workerEntry()): string[] {
  const worker = [process.execPath, entry, WORKER_FLAG];
  if (rootIsMountPoint()) return [...UNSHARE, '--propagation', 'private', '--', ...worker];
  return [...UNSHARE, '--propagation', 'unchanged', '--', ...privateRootPrefix(), ...worker];
}

export interface WorkerRun {
  events: WorkerEvent[];
}

/** The file this process runs: the bundle under Ansible, or the compiled module entry in tests. */
export function workerEntry(): string {
  const entry = process.argv[1];
  if (!entry) throw new ModuleError('Cannot find the module file to start the build worker from');
  return entry;
}

/** A worker started ahead of its job: its program loads while the module still scans; one that gets no job just exits. */
export interface StartedWorker {
  run(job: WorkerJob, onEvent?: (event: WorkerEvent) => void): Promise<WorkerRun>;
  /** Ends a worker that was never given a job (the run decided not to build). */
  cancel(): Promise<void>;
  /** Ends the worker now, job or not: its namespace, its mounts and its mksquashfs go with it. */
  kill(): void;
}

export function startWorker(signal: AbortSignal): StartedWorker {
  const [cmd, ...args] = workerArgv();
  const child = execa(cmd!, args, {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: ['pipe', 'inherit'],
    buffer: { stdout: false, stderr: true },
    reject: false,
    cancelSignal: signal,
    killSignal: 'SIGKILL',
    env: { NODE_OPTIONS: '' },
  });
  child.stdin?.on('error', () => undefined);
  const events: WorkerEvent[] = [];
  let handler: (event: WorkerEvent) => void = () => {};
  let given = false;
  onLines(child.stdout, (line) => {
    try {
      const event = JSON.parse(line) as WorkerEvent;
      if (event.type !== 'progress') events.push(event);
      handler(event);
    } catch {
      process.stderr.write(`${line}\n`);
    }
  });
  return {
    async run(job, onEvent = () => {}) {
      given = true;
      handler = onEvent;
      child.stdin?.write(`${JSON.stringify(job)}\n`);
      const result = await child;
      child.stdin?.destroy();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ModuleError('Interrupted');
      const error = events.find((e): e is Extract<WorkerEvent, { type: 'error' }> => e.type === 'error');
      if (error) throw new ModuleError(error.complete ? error.message : `${error.phase} failed: ${error.message}`, { phase: error.phase });
      if (!events.some((e) => e.type === 'done')) {
        const why = result.stderr ? oneLine(String(result.stderr).split('\n').slice(-3).join('\n')) : `exit ${result.exitCode ?? result.signal}`;
        throw new ModuleError(`The build worker ended unexpectedly (${why}); check that unshare and mount work here (run as root)`);
      }
      return { events };
    },
    async cancel() {
      if (given) return;
      child.stdin?.end();
      await child;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

export function runWorker(job: WorkerJob, signal: AbortSignal, onEvent: (event: WorkerEvent) => void = () => {}): Promise<WorkerRun> {
  return startWorker(signal).run(job, onEvent);
}
