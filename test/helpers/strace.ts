// Runs a bundled module under strace, so tests can check the system calls it makes (open flags, fsync before rename) on a real run.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bundleDir, parseSingleJson, type ModuleRun } from './run-module.js';

export interface TracedRun extends ModuleRun {
  /** strace's lines: "PID syscall(args) = result". */
  calls: string[];
}

export async function runTraced(name: string, args: Record<string, unknown>, logDir: string, syscalls = 'openat,fsync,rename,renameat,renameat2', env: Record<string, string> = {}): Promise<TracedRun> {
  const log = path.join(logDir, `strace-${name}-${Date.now()}.log`);
  const child = await execa('strace', ['-f', '-qq', '-s', '512', '-e', `trace=${syscalls}`, '-o', log, process.execPath, path.join(bundleDir, name)], {
    input: JSON.stringify(args),
    env,
    reject: false,
    encoding: 'utf8',
  });
  const calls = joinResumed(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean));
  fs.rmSync(log);
  const stdout = String(child.stdout);
  return { code: child.exitCode ?? -1, stdout, stderr: String(child.stderr), result: parseSingleJson(stdout), calls };
}

/**
 * strace splits a call that another thread's call interrupts: "PID name(args <unfinished ...>", and later
 * "PID <... name resumed>rest". Joined back into one line where the call began, so that a test can match a call's
 * arguments and its result in one line whatever the threads did meanwhile.
 */
export function joinResumed(lines: readonly string[]): string[] {
  const out: string[] = [];
  const pending = new Map<string, number>();
  for (const line of lines) {
    const unfinished = /^(\d+) (.*) <unfinished \.\.\.>$/.exec(line);
    if (unfinished) {
      pending.set(unfinished[1]!, out.length);
      out.push(`${unfinished[1]} ${unfinished[2]}`);
      continue;
    }
    const resumed = /^(\d+) <\.\.\. [\w]+ resumed>(.*)$/.exec(line);
    const at = resumed ? pending.get(resumed[1]!) : undefined;
    if (resumed && at !== undefined) {
      out[at] += resumed[2];
      pending.delete(resumed[1]!);
      continue;
    }
    out.push(line);
  }
  return out;
}

/** A walk's find (find-lister.ts reads directories from stdin); a walk runs two of them. */
export const WALK_FIND = /execve\("[^"]*\/find", \["find", "-files0-from", "-",/;

/** How many walks a run traced with 'execve' made. */
export function walksIn(calls: string[]): number {
  return calls.filter((c) => WALK_FIND.test(c) && c.endsWith('= 0')).length / 2;
}
