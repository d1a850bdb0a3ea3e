// A person's run: flags in, each IMAGE run in turn with live phases on a terminal, then a short summary (or --json's module result).
import { emitJson, printOut } from '../runtime/emit.js';
import { splitContext } from '../runtime/context.js';
import { abortOnSignals } from '../runtime/interrupt.js';
import { errorMessage } from '../core/errors.js';
import { failure, withCommonFields, type ModuleDefinition, type ModuleResult, type RunResult } from '../runtime/module.js';
import { makeValidator } from '../runtime/validate.js';
import { quietProgress, type Progress } from '../report/progress.js';
import { syslog } from '../report/syslog.js';
import { TOOL_VERSION } from '../generated/version.js';
import { flagTable, type FlagTable } from './flags.js';
import { helpText } from './help.js';
import { parseCommandLine, UsageError, type CommandLine } from './parse.js';
import { colors } from './colors.js';
import { LineProgress, TerminalProgress } from './terminal.js';
import type { Summarize } from './summary.js';

/** A module as a person's command line runs it: the protocol's definition plus how to summarize and which images to run on. */
export interface CommandLineDefinition<O, R extends ModuleResult = ModuleResult> extends ModuleDefinition<O, R> {
  /** The lines a person sees after a successful command-line run, below the one-line message. */
  summarize: Summarize<RunResult<R>>;
  /** The images a command line without IMAGE runs on, given its options; without it, IMAGE is required. */
  detectImages?: (options: Record<string, unknown>) => string[];
}
import { inFlagTerms } from './wording.js';

type Outcome = Record<string, unknown> & { changed: boolean; failed?: boolean; skipped?: boolean; msg: string };

function watcher(line: CommandLine): Progress & { finish(): void } {
  if (process.stderr.isTTY) return new TerminalProgress(process.stderr);
  if (line.json) return { ...quietProgress, finish() {} };
  return new LineProgress(process.stderr);
}

/** The run's result as --json prints it, and the summary lines of a successful one. */
interface Ran {
  outcome: Outcome;
  summary: string[];
}

async function runOne<O, R extends ModuleResult>(definition: CommandLineDefinition<O, R>, validate: (raw: Record<string, unknown>) => O, line: CommandLine, table: FlagTable, image: string | undefined, signal: AbortSignal): Promise<Ran> {
  const { context } = splitContext({ ...line.options, check_mode: line.check });
  const progress = watcher(line);
  let result: Record<string, unknown>;
  let summary: string[] = [];
  try {
    const options = validate({ ...line.options, ...(image === undefined ? {} : { [table.positional.option]: image }) });
    const log = (message: string) => syslog(definition.name, message);
    const done = await definition.run(options, { ...context, signal, log, progress });
    if (!done.failed) summary = definition.summarize(done);
    result = { ...done, invocation: { module_args: options } };
  } catch (error) {
    result = failure(error, context);
  } finally {
    progress.finish();
  }
  return { outcome: withCommonFields({ ...result, msg: inFlagTerms(String(result.msg), table) }, context.warnings) as Outcome, summary };
}

function report(line: CommandLine, outcome: Outcome, summary: string[], label: string): void {
  const c = colors(process.stdout);
  const status = outcome.failed ? c.red('failed') : outcome.skipped ? c.yellow('skipped') : outcome.changed ? c.yellow(line.check ? 'would change' : 'changed') : c.green('ok');
  // With a table (ltsp_image_info's images), the table is the per-image part: msg's lines for each image would repeat it.
  const table = !outcome.failed && !outcome.skipped ? summary : [];
  const msg = table.length > 0 ? outcome.msg.split('\n')[0] : outcome.msg;
  const lines = [`${c.bold(label)}: ${status}: ${msg}`, ...table];
  for (const warning of (outcome.warnings as string[] | undefined) ?? []) lines.push(`  ${c.yellow('warning')}    ${warning}`);
  printOut(`${lines.join('\n')}\n`);
}

function usageFailure(program: string, line: Partial<CommandLine>, message: string): number {
  if (line.json) emitJson({ failed: true, changed: false, msg: message, comment: message });
  else process.stderr.write(`${program}: ${message}\n`);
  return 1;
}

/** Returns the exit status: 0 when every image is ok or changed, 1 when one failed or the command line is wrong. */
export async function runCommandLine<O, R extends ModuleResult>(definition: CommandLineDefinition<O, R>, argv: readonly string[]): Promise<number> {
  const program = definition.name;
  const table = flagTable(definition.optionsSchema);
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, table, program);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usageFailure(program, { json: argv.includes('--json') }, error.message);
  }
  if (line.help || argv.length === 0) {
    printOut(helpText(program, definition.description, table, Boolean(definition.detectImages)));
    return line.help ? 0 : 1;
  }
  if (line.version) {
    printOut(`${program} ${TOOL_VERSION}\n`);
    return 0;
  }
  if (table.positional.required && !line.images.length) {
    if (!definition.detectImages) {
      return usageFailure(program, line, `Name the ${table.positional.metavar}: e.g. ${program} x86_64, or ${program} / for the server itself; see ${program} --help`);
    }
    try {
      line.images = definition.detectImages(line.options);
    } catch (error) {
      return usageFailure(program, line, errorMessage(error));
    }
  }
  if (line.images.length > 1 && line.options.image_name !== undefined) {
    return usageFailure(program, line, `Option --image-name names one image; give one ${table.positional.metavar} with it`);
  }
  const validate = makeValidator<O>(definition.optionsSchema, definition.validate);
  const signal = abortOnSignals();
  const outcomes: Outcome[] = [];
  const runs: (string | undefined)[] = line.images.length ? line.images : [undefined];
  for (const image of runs) {
    if (signal.aborted) {
      // Interrupted: the images not started yet are listed, as an Ansible loop marks skipped items.
      const skipped: Outcome = { changed: false, skipped: true, msg: 'Not started: the run was interrupted', comment: 'Not started: the run was interrupted' };
      outcomes.push(skipped);
      if (!line.json) report(line, skipped, [], String(image));
      continue;
    }
    if (process.stderr.isTTY && runs.length > 1) process.stderr.write(`${colors(process.stderr).bold(`${program} ${image}`)}\n`);
    const { outcome, summary } = await runOne(definition, validate, line, table, image, signal);
    outcomes.push(outcome);
    if (!line.json) report(line, outcome, summary, String(outcome.image_name ?? image ?? program));
  }
  if (line.json) emitJson(outcomes.length === 1 ? outcomes[0]! : combine(outcomes));
  return outcomes.some((o) => o.failed) || signal.aborted ? 1 : 0;
}

/** Several images under --json: one object, shaped like an Ansible loop's registered result. */
function combine(outcomes: Outcome[]): Outcome {
  const failed = outcomes.filter((o) => o.failed).length;
  const changed = outcomes.filter((o) => o.changed).length;
  const skipped = outcomes.filter((o) => o.skipped).length;
  const msg = `${outcomes.length} images: ${changed} changed, ${failed} failed${skipped ? `, ${skipped} not started` : ''}`;
  return { changed: changed > 0, ...(failed ? { failed: true } : {}), msg, comment: msg, results: outcomes };
}
