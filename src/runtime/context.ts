// Separates Ansible's internal `_ansible_*` keys (and their plain equivalents) from the module's own options.
import type { RawArgs } from './args.js';
import { parseBoolean } from './coerce.js';

export interface RunContext {
  checkMode: boolean;
  diff: boolean;
  verbosity: number;
  noLog: boolean;
  tmpdir: string | undefined;
  ansibleVersion: string | undefined;
  warnings: string[];
  warn(message: string): void;
  /** The options the caller gave (not null), as opposed to schema defaults: they win over /etc/ltsp/ltsp.conf. */
  explicit: string[];
}

/** Keys every module accepts besides its own options, for callers other than Ansible. */
export const RUNTIME_KEYS = ['check_mode', 'diff'] as const;

function truthy(value: unknown): boolean {
  if (typeof value === 'string') return parseBoolean(value) === true;
  return value === true || value === 1;
}

export function splitContext(raw: RawArgs): { options: RawArgs; context: RunContext } {
  const options: RawArgs = {};
  const internal: RawArgs = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('_ansible_')) internal[key.slice('_ansible_'.length)] = value;
    else if ((RUNTIME_KEYS as readonly string[]).includes(key)) internal[key] = value;
    else options[key] = value;
  }
  const warnings: string[] = [];
  const context: RunContext = {
    checkMode: truthy(internal.check_mode),
    diff: truthy(internal.diff),
    verbosity: Number(internal.verbosity) || 0,
    noLog: truthy(internal.no_log),
    tmpdir: typeof internal.tmpdir === 'string' ? internal.tmpdir : undefined,
    ansibleVersion: typeof internal.version === 'string' ? internal.version : undefined,
    warnings,
    explicit: Object.keys(options).filter((key) => options[key] !== null && options[key] !== undefined),
    warn(message: string) {
      if (!warnings.includes(message)) warnings.push(message);
    },
  };
  return { options, context };
}
