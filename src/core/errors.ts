// The rule for failures: a ModuleError's message is the user's `msg`, complete on its own (what failed, and what to do),
// and every layer passes it on unchanged. Any other Error is a detail from a lower layer (a parser, a tree operation, a
// library); the layer that knows what was being done wraps it, once, in a ModuleError that says so, keeping it as the
// cause so that -vvv shows where it came from.
export class ModuleError extends Error {
  /** Fields the failed result carries besides msg (e.g. changed: true after a publish). */
  readonly extra: Record<string, unknown>;

  /** `cause` is the lower layer's error, kept for the traceback (see exceptionOf); any other key goes to the result. */
  constructor(message: string, { cause, ...extra }: Record<string, unknown> & { cause?: unknown } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ModuleError';
    this.extra = extra;
  }
}

/** Causes shown at most: a chain that loops back on itself still ends. */
const MAX_CAUSES = 10;

/** The result's `exception` at -vvv, as Ansible modules give it: the stack, the error it wraps first (as Python chains them). */
export function exceptionOf(error: Error): string {
  const chain: string[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < MAX_CAUSES; e = e instanceof Error ? e.cause : undefined) {
    chain.unshift(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
  }
  return chain.join('\n\nThe above error was the direct cause of the following error:\n\n');
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** One line, as Ansible shows `msg`: later lines of a child's output are joined with " | ". */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' | ');
}

/** A failed system call's code (ENOENT, EACCES, ...), or undefined for an error without one. */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Whether a system call failed with one of `codes`. */
export function hasCode(error: unknown, ...codes: readonly string[]): error is NodeJS.ErrnoException {
  const code = errorCode(error);
  return code !== undefined && codes.includes(code);
}
