// Where every module program starts: the namespace worker entry, a person's command line, or the JSON module protocol; above all three, so none depends on another.
import { isCommandLine } from './cli/mode.js';
import { runCommandLine, type CommandLineDefinition } from './cli/run-cli.js';
import { WORKER_FLAG } from './namespace/protocol.js';
import { workerMain } from './namespace/worker.js';
import { closeSyslog } from './report/syslog.js';
import { exitAfterOutput, guardStdout } from './runtime/emit.js';
import { boundHeapGrowth } from './runtime/heap-growth.js';
import { runModule, type ModuleResult } from './runtime/module.js';

/** Any module can start the worker (builds, reverts, info's checksum scan of disk sources), so every entry point handles it here. */
export async function start<O, R extends ModuleResult>(definition: CommandLineDefinition<O, R>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  boundHeapGrowth();
  if (argv[0] === WORKER_FLAG) return workerMain();
  if (!isCommandLine(argv, Boolean(process.stdin.isTTY))) return runModule(definition, argv);
  guardStdout();
  const code = await runCommandLine(definition, argv);
  await closeSyslog();
  exitAfterOutput(code);
}
