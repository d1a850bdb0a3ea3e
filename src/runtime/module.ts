// Runs one module invocation end to end: read args, validate, run, and print one JSON result with the right exit status.
import { readArgs, type RawArgs } from './args.js';
import { splitContext, type RunContext } from './context.js';
import { emitAndExit, guardStdout } from './emit.js';
import { ModuleError, errorMessage, exceptionOf, oneLine } from '../core/errors.js';
import { abortOnSignals } from './interrupt.js';
import { scrubArgumentValues } from './no-log.js';
import { makeValidator, type CompiledValidator } from './validate.js';
import { quietProgress, type Progress } from '../report/progress.js';
import { closeSyslog, syslog } from '../report/syslog.js';

export interface ModuleResult {
  changed: boolean;
  msg: string;
  [key: string]: unknown;
}

/** What a module's run() returns: its generated result type, less the fields every result gets on the way out (withCommonFields). */
export type RunResult<R extends ModuleResult> = { [K in keyof R as K extends 'comment' | 'warnings' ? never : K]: R[K] };

export interface ModuleContext extends RunContext {
  /** Aborted on SIGTERM, SIGINT or SIGHUP, so long phases can stop their children and clean up. */
  signal: AbortSignal;
  /** One line to syslog, tagged with the module name. */
  log(message: string): Promise<void>;
  /** Phases and mksquashfs progress, for a person watching the command-line run. */
  progress: Progress;
}

export interface ModuleDefinition<O, R extends ModuleResult = ModuleResult> {
  name: string;
  optionsSchema: Record<string, unknown>;
  /** One line on what the module does, for --help. */
  description: string;
  /** Generated from the same schema by scripts/generate.mjs. */
  validate: CompiledValidator;
  run(options: O, context: ModuleContext): Promise<RunResult<R>>;
}

/** The fields every result carries, module or command line: msg, comment (the same text, for Salt), and warnings when there are any. */
export function withCommonFields(result: Record<string, unknown>, warnings: readonly string[]): Record<string, unknown> & { msg: string } {
  const msg = typeof result.msg === 'string' ? result.msg : '';
  return { ...result, msg, comment: msg, ...(warnings.length ? { warnings: [...warnings] } : {}) };
}

function finish(result: Record<string, unknown>, context: RunContext | undefined, raw: RawArgs, code: number): void {
  const out = withCommonFields(result, context?.warnings ?? []);
  emitAndExit(context?.noLog ? scrubArgumentValues(out, raw) : out, code);
}

export function failure(error: unknown, context: RunContext | undefined): Record<string, unknown> {
  const extra = error instanceof ModuleError ? error.extra : {};
  // changed: true in extra is a failure after something was changed (an image published): the handlers must still run.
  // rc, the exit status, says "failed" to a task that sets failed_when (the build role), which overwrites failed.
  const result: Record<string, unknown> = { changed: false, ...extra, failed: true, rc: 1, msg: oneLine(errorMessage(error)) };
  if ((context?.verbosity ?? 0) >= 3 && error instanceof Error) result.exception = exceptionOf(error);
  return result;
}

export async function runModule<O, R extends ModuleResult>(definition: ModuleDefinition<O, R>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  guardStdout();
  let raw: RawArgs = {};
  let context: RunContext | undefined;
  const fail = (error: unknown) => finish(failure(error, context), context, raw, 1);
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  const signal = abortOnSignals();
  try {
    raw = await readArgs(argv);
    const split = splitContext(raw);
    context = split.context;
    const options = makeValidator<O>(definition.optionsSchema, definition.validate)(split.options);
    const log = (message: string) => (context?.noLog ? Promise.resolve() : syslog(definition.name, message));
    const result = await definition.run(options, { ...context, signal, log, progress: quietProgress });
    await closeSyslog();
    finish({ ...result, invocation: { module_args: options } }, context, raw, 0);
  } catch (error) {
    await closeSyslog();
    fail(error);
  }
}
