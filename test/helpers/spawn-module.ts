// Starts a module in the background (for kill, SIGTERM and concurrency tests) and waits for a failpoint or a process to appear.
import fs from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { moduleFile, parseSingleJson, type ModuleRun } from './run-module.js';
import { RUN_MARK } from './tmp.js';
import { waitFor } from './settle.js';

export interface Background {
  child: ResultPromise<{ reject: false; encoding: 'utf8' }>;
  stderr: () => string;
  /** Resolves when stderr says the failpoint was reached. */
  reached: (failpoint: string, timeoutMs?: number) => Promise<void>;
  result: () => Promise<ModuleRun>;
}

const started = new Set<Background['child']>();

/** Kills whatever a failed test left paused at a failpoint, so it cannot hold locks for the next tests. */
export async function killStarted(): Promise<void> {
  for (const child of started) child.kill('SIGKILL');
  await Promise.all([...started].map((child) => child.catch(() => undefined)));
  started.clear();
}

export function startModule(name: string, args: Record<string, unknown>, env: Record<string, string> = {}): Background {
  const child = execa(process.execPath, [moduleFile(name, env)], {
    input: JSON.stringify(args),
    reject: false,
    encoding: 'utf8',
    env,
  });
  started.add(child);
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    child,
    stderr: () => err,
    reached: (failpoint, timeoutMs = 60000) =>
      waitFor(
        () => {
          if (err.includes(`failpoint ${failpoint} reached`)) return true;
          if (child.exitCode !== null) throw new Error(`module exited before failpoint ${failpoint}: ${err}`);
          return false;
        },
        () => `failpoint ${failpoint}; stderr: ${err}`,
        timeoutMs,
      ),
    result: async () => {
      const done = await child;
      const stdout = String(done.stdout);
      return { code: done.exitCode ?? -1, stdout, stderr: err, result: parseSingleJson(stdout) };
    },
  };
}

/** Waits until a process whose command line matches is running. */
/**
 * Waits for a process whose command line matches `pattern`: by default one of this test process's runs (their
 * environment carries its mark), so another build on the machine with the same image name cannot make the test act
 * before its own process is there; `anyRun` for a process that stands in for such another build.
 */
export async function waitForProcess(pattern: string, { timeoutMs = 60000, anyRun = false } = {}): Promise<void> {
  const mark = Buffer.from(`${RUN_MARK}=${process.env[RUN_MARK]}\0`);
  const ours = (pid: string): boolean => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`).includes(mark);
    } catch {
      return false;
    }
  };
  const found = async () => {
    const { stdout } = await execa('pgrep', ['-f', pattern], { reject: false });
    return stdout.split('\n').some((pid) => pid !== '' && (anyRun || ours(pid)));
  };
  await waitFor(found, `a process ${anyRun ? '' : 'of this test run '}matching ${pattern}`, timeoutMs, 50);
}
