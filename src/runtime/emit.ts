// Guarantees stdout carries exactly one JSON object: anything else written there is diverted to stderr.
const realWrite = process.stdout.write.bind(process.stdout);
let emitted = false;

export function guardStdout(): void {
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
}

/** Writes the result and exits; a second call (e.g. from a late error handler) is ignored. */
export function emitAndExit(result: Record<string, unknown>, code: number): void {
  if (emitted) return;
  emitted = true;
  realWrite(`${JSON.stringify(result)}\n`, () => process.exit(code));
}

/** Human output of a command-line run, past the guard. */
export function printOut(text: string): void {
  realWrite(text);
}

export function emitJson(result: Record<string, unknown>): void {
  realWrite(`${JSON.stringify(result)}\n`);
}

/** Exits once stdout has taken everything written to it, even when it is a slow pipe. */
export function exitAfterOutput(code: number): void {
  realWrite('', () => process.exit(code));
}
