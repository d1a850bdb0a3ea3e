// Runs ltsp.conf's PRE_IMAGE_* / POST_IMAGE_* hooks as `ltsp image` does (sh, alphabetical), from the text read at the start (which only root could have written).
import { ModuleError, errorMessage } from '../core/errors.js';
import { runInOwnGroup, type GroupRun } from '../core/process-group.js';
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

export interface HookContext {
  signal: AbortSignal;
  log(message: string): Promise<void>;
  warn(message: string): void;
}

/** Each hook leads a process group that ends with it: a background job of a PRE hook would change the source during the build. */
async function runHook(hook: Hook, env: NodeJS.ProcessEnv, context: HookContext): Promise<number> {
  let run: GroupRun;
  try {
    run = await runInOwnGroup('sh', ['-c', hook.command], env, context.signal);
  } catch (error) {
    throw new ModuleError(`${hook.name} (${hook.origin}) could not run: ${errorMessage(error)}`, { cause: error });
  }
  if (run.exit === null) throw new ModuleError(`${errorMessage(context.signal.reason)}; ${hook.name} (${hook.origin}) was interrupted and its processes ended`);
  if (run.leftOver) {
    context.warn(`${hook.name} (${hook.origin}) left processes running; they were ended: a hook's processes end with it (start a service with systemctl instead)`);
  }
  return run.exit;
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
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries([...conf.evaluation.assigned].map(([k, v]) => [k, v.value])), ...extraEnv };
  const runs: HookRun[] = [];
  for (const hook of hooks) {
    await context.log(`running ${hook.name} from ${hook.origin}`);
    const exit = await runHook(hook, env, context);
    runs.push({ name: hook.name, exit });
    await context.log(`${hook.name} exited with status ${exit}`);
    if (exit !== 0) {
      const what = phase === 'PRE' ? `nothing was ${verb}` : `the image was ${verb}, the later POST_IMAGE_* hooks were not run`;
      throw new ModuleError(`${hook.name} (${hook.origin}) failed with exit status ${exit}; ${what}`, { hooks: runs });
    }
  }
  return runs;
}
