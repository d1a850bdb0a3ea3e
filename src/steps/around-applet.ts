// Wraps one run the way `ltsp image` wraps its applet, building or reverting (-r): ltsp.conf applied to the options, PRE hooks before, POST hooks after.
import { ModuleError } from '../core/errors.js';
import type { ModuleContext } from '../runtime/module.js';
import { runHooks, hooksOf, type AppletVerb, type HookRun } from '../ltsp-conf/hooks.js';
import { withLtspConf } from '../ltsp-conf/read.js';

interface DirOptions {
  ltsp_conf?: string | null;
  base_dir: string;
  tftp_dir: string;
}

/** Check mode runs no hook: it says which it would have run. `only`: the settings the run takes from the file (all by default). */
export async function aroundApplet<O extends DirOptions, R extends { changed: boolean }>(
  input: O,
  context: ModuleContext,
  build: (options: O) => Promise<R>,
  { only, verb = 'built' }: { only?: readonly string[]; verb?: AppletVerb } = {},
): Promise<R & { from_ltsp_conf?: Record<string, string>; hooks?: HookRun[] }> {
  const { options, conf } = withLtspConf(input, context.explicit, (m) => context.warn(m), only);
  if (!conf) return build(options);
  const env = { BASE_DIR: options.base_dir, TFTP_DIR: options.tftp_dir };
  if (context.checkMode) {
    const skipped = [...hooksOf(conf, 'PRE'), ...hooksOf(conf, 'POST')].map((h) => h.name);
    if (skipped.length) context.warn(`Check mode runs no ltsp.conf hook: ${skipped.join(', ')} not run`);
  }
  const pre = context.checkMode ? [] : await runHooks(conf, 'PRE', env, context, verb);
  const result = await build(options);
  const done = { ...result, from_ltsp_conf: conf.origins };
  let post: HookRun[] = [];
  try {
    post = context.checkMode ? [] : await runHooks(conf, 'POST', { ...env, LTSP_IMAGE_CHANGED: result.changed ? '1' : '0' }, context, verb);
  } catch (error) {
    // The build's result (changed: true when an image was published) stays, so handlers still run.
    if (!(error instanceof ModuleError)) throw error;
    const hooks = [...pre, ...((error.extra.hooks as HookRun[] | undefined) ?? [])];
    throw new ModuleError(`${String((result as { msg?: unknown }).msg)}; but ${error.message}`, { ...done, hooks, cause: error });
  }
  const hooks = [...pre, ...post];
  return { ...done, ...(hooks.length ? { hooks } : {}) };
}
