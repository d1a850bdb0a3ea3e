// Where every module program starts: a person's command line goes to the CLI, anything else speaks the JSON module protocol.
import { isCommandLine } from '../cli/mode.js';
import { runCommandLine } from '../cli/run-cli.js';
import { exitAfterOutput, guardStdout } from './emit.js';
import { runModule, type ModuleDefinition } from './module.js';

export async function start<O>(definition: ModuleDefinition<O>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  if (!isCommandLine(argv, Boolean(process.stdin.isTTY))) return runModule(definition, argv);
  guardStdout();
  exitAfterOutput(await runCommandLine(definition, argv));
}
