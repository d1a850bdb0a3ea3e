// The rule for failures: a ModuleError's message is the user's `msg`, complete on its own (what failed, and what to do),
// and every layer passes it on unchanged. Any other Error is a detail from a lower layer (a parser, a tree operation, a
// library); the layer that knows what was being done wraps it, once, in a ModuleError that says so.
export class ModuleError extends Error {
  constructor(
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModuleError';
  }
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
