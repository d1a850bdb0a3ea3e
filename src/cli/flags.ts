// The command-line flags, derived from the module's options schema (x-cli: short letter, metavar, path), so an option is declared once.
export interface CliMeta {
  positional?: boolean;
  short?: string;
  metavar?: string;
  /** A file or directory: a relative value is taken from the working directory. */
  path?: boolean;
}

interface OptionSchema {
  type?: string | string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  'x-cli'?: CliMeta;
}

export interface Flag {
  option: string;
  long: string;
  short?: string;
  /** A switch takes no value (`--force`, `--no-kernel`); the others do (`-b 0`, `--keep=3`). */
  switch: boolean;
  metavar: string;
  types: string[];
  path: boolean;
  description: string;
  default: unknown;
}

export interface FlagTable {
  flags: Flag[];
  /** The option the IMAGE arguments fill. */
  positional: { option: string; metavar: string; required: boolean; description: string };
}

export function longName(option: string): string {
  return `--${option.replace(/_/g, '-')}`;
}

/** How a message names a flag: `-b/--backup`, or just `--keep`. */
export function flagLabel(flag: Flag): string {
  return flag.short ? `-${flag.short}/${flag.long}` : flag.long;
}

export function flagTable(optionsSchema: Record<string, unknown>): FlagTable {
  const properties = optionsSchema.properties as Record<string, OptionSchema>;
  const required = (optionsSchema.required as string[] | undefined) ?? [];
  const flags: Flag[] = [];
  let positional: FlagTable['positional'] | undefined;
  for (const [option, schema] of Object.entries(properties)) {
    const meta = schema['x-cli'] ?? {};
    const types = ([] as string[]).concat(schema.type ?? 'string');
    const description = schema.description ?? '';
    if (meta.positional) {
      positional = { option, metavar: meta.metavar ?? 'IMAGE', required: required.includes(option), description };
      continue;
    }
    const isSwitch = types.includes('boolean') && !meta.metavar;
    flags.push({
      option,
      long: longName(option),
      ...(meta.short ? { short: meta.short } : {}),
      switch: isSwitch,
      metavar: meta.metavar ?? (schema.enum ? schema.enum.join('|') : option.toUpperCase()),
      types,
      path: meta.path === true,
      description,
      default: schema.default,
    });
  }
  if (!positional) throw new Error('The options schema marks no option as positional (x-cli.positional)');
  return { flags, positional };
}
