// Runs a command in a process group of its own and ends the whole group when the command exits or the run is interrupted, so nothing it started in the background outlives it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** Between SIGTERM and SIGKILL: short enough that a run ends within 2 s of its own SIGTERM, long enough to clean up. */
const GRACE_MS = 1000;
/** After SIGKILL: only a process stuck in the kernel (a dead NFS server) takes longer, and then nothing more can be done. */
const KILL_WAIT_MS = 500;

/** The live processes of the group (zombies are dead: whoever adopted them reaps them, or not). */
function members(pgid: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') found.push(Number(name));
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone.
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

async function gone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (members(pgid).length) {
    if (Date.now() > deadline) return false;
    await tick();
  }
  return true;
}

/** SIGTERM to the group, SIGKILL to what is left after the grace. Returns whether anything was left to end. */
export async function endGroup(pgid: number): Promise<boolean> {
  if (!members(pgid).length) return false;
  signalGroup(pgid, 'SIGTERM');
  if (!(await gone(pgid, GRACE_MS))) {
    signalGroup(pgid, 'SIGKILL');
    await gone(pgid, KILL_WAIT_MS);
  }
  return true;
}

export interface GroupRun {
  /** The command's exit status (128 + N for signal N); null when the run was interrupted first. */
  exit: number | null;
  /** Processes of the group were still running when the command ended (or was interrupted), and were ended. */
  leftOver: boolean;
}

/** Output goes to our stderr (stdout carries the module's one JSON object). Fails only when the command cannot start. */
export async function runInOwnGroup(file: string, args: readonly string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<GroupRun> {
  if (signal.aborted) return { exit: null, leftOver: false };
  // detached: setsid(), so the child leads a new process group whose id is its pid.
  const child = spawn(file, args, { stdio: ['ignore', 2, 2], env, detached: true });
  const closed = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve(code ?? 128 + (sig ? os.constants.signals[sig] : 0)));
  });
  let onAbort = () => {};
  const aborted = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const exit = await Promise.race([closed, aborted]);
    // Interrupted: the command is one of the group's processes, gone when endGroup returns (a stuck one is not waited for).
    if (exit === null) void closed.catch(() => undefined);
    return { exit, leftOver: await endGroup(child.pid!) };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
