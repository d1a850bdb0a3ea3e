// Runs ltsp.conf's PRE_IMAGE_* / POST_IMAGE_* hooks as `ltsp image` does (sh, alphabetical), but only from a file only root can change.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ModuleError } from '../runtime/errors.js';
import type { LtspConf } from './read.js';

export type HookPhase = 'PRE' | 'POST';

export interface Hook {
  name: string;
  /** FILE:LINE of its assignment. */
  origin: string;
  command: string;
}

export interface HookRun {
  name: string;
  exit: number;
}

/** The reference's `set | grep -E "^PRE_IMAGE_[[:alnum:]_]*="` with non-empty values: C-locale name order. */
export function hooksOf(conf: LtspConf, phase: HookPhase): Hook[] {
  const prefix = new RegExp(`^${phase}_IMAGE_[A-Za-z0-9_]*$`);
  return [...conf.evaluation.assigned]
    .filter(([name, { value }]) => prefix.test(name) && value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { value, line }]) => ({ name, origin: `${conf.file}:${line}`, command: value }));
}

/** Hooks are shell run as root: refuse them from a file someone else could have written. */
export function hookSafetyProblem(file: string): string | null {
  const st = fs.statSync(file);
  if (st.uid !== 0) return `${file} has hooks but is not owned by root (uid ${st.uid}); run: chown root ${file}`;
  if (st.mode & 0o022) return `${file} has hooks but is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}); run: chmod go-w ${file}`;
  return null;
}

function runHook(hook: Hook, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    // Output goes to stderr: stdout carries the module's one JSON object.
    const child = spawn('sh', ['-c', hook.command], { stdio: ['ignore', 2, 2], env, signal, killSignal: 'SIGTERM' });
    child.on('error', (error) =>
      reject(new ModuleError(error.name === 'AbortError' ? `${hook.name} (${hook.origin}) was interrupted` : `${hook.name} (${hook.origin}) could not run: ${error.message}`)),
    );
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

export interface HookContext {
  signal: AbortSignal;
  log(message: string): Promise<void>;
}

/** What the run around the hooks does to the image, for the messages: `ltsp image` builds, `ltsp image -r` reverts. */
export type AppletVerb = 'built' | 'reverted';

/**
 * Runs the phase's hooks in order with the file's variables (and BASE_DIR, TFTP_DIR as used) in their environment;
 * the first one that fails stops the run.
 */
export async function runHooks(conf: LtspConf, phase: HookPhase, extraEnv: Record<string, string>, context: HookContext, verb: AppletVerb = 'built'): Promise<HookRun[]> {
  const hooks = hooksOf(conf, phase);
  if (!hooks.length) return [];
  const problem = hookSafetyProblem(conf.file);
  if (problem) throw new ModuleError(`${problem}; no ${phase}_IMAGE_* hook was run${phase === 'PRE' ? ` and nothing was ${verb}` : ''}`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries([...conf.evaluation.assigned].map(([k, v]) => [k, v.value])), ...extraEnv };
  const runs: HookRun[] = [];
  for (const hook of hooks) {
    await context.log(`running ${hook.name} from ${hook.origin}`);
    const exit = await runHook(hook, env, context.signal);
    runs.push({ name: hook.name, exit });
    await context.log(`${hook.name} exited with status ${exit}`);
    if (exit !== 0) {
      const what = phase === 'PRE' ? `nothing was ${verb}` : `the image was ${verb}, the later POST_IMAGE_* hooks were not run`;
      throw new ModuleError(`${hook.name} (${hook.origin}) failed with exit status ${exit}; ${what}`, { hooks: runs });
    }
  }
  return runs;
}
