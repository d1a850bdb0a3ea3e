// Parses a person's command line the way the reference tool's getopt does (-b 0, -b0, --backup=0, --backup 0) into module options.
import path from 'node:path';
import { parseBoolean } from '../runtime/coerce.js';
import { flagLabel, type Flag, type FlagTable } from './flags.js';

export class UsageError extends Error {}

export interface CommandLine {
  images: string[];
  options: Record<string, unknown>;
  check: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
}

/** Flags every module takes besides its options; --help lists them from here too. */
export const GLOBAL_FLAGS: readonly { names: readonly string[]; key: 'check' | 'json' | 'help' | 'version'; help: string }[] = [
  { names: ['-C', '--check'], key: 'check', help: 'Only tell what would be done (check mode); change nothing.' },
  { names: ['--json'], key: 'json', help: "Print the module's JSON result (one object; several images give one with a results list) instead of a summary." },
  { names: ['-h', '--help'], key: 'help', help: 'Show this help.' },
  { names: ['--version'], key: 'version', help: 'Show the version.' },
];

const GLOBAL: Record<string, (typeof GLOBAL_FLAGS)[number]['key']> = Object.fromEntries(GLOBAL_FLAGS.flatMap((g) => g.names.map((n) => [n, g.key])));

function convert(flag: Flag, value: string): unknown {
  if (flag.types.includes('boolean')) {
    const yes = parseBoolean(value);
    if (yes !== undefined) return yes;
    throw new UsageError(`Option ${flagLabel(flag)} takes 0 or 1, got ${JSON.stringify(value)}`);
  }
  if (flag.types.includes('integer')) {
    if (!/^\d+$/.test(value)) throw new UsageError(`Option ${flagLabel(flag)} takes a whole number (${flag.metavar}), got ${JSON.stringify(value)}`);
    return Number(value);
  }
  if (flag.path && value !== '') return path.resolve(value);
  return value;
}

function unknownFlag(token: string, program: string): UsageError {
  if (program === 'ltsp_image' && /^(-r|--revert)(=|$)/.test(token)) {
    return new UsageError(`ltsp_image has no ${token.split('=')[0]}: to go back to the previous image, run ltsp_image_revert IMAGE`);
  }
  return new UsageError(`Unknown option ${token.split('=')[0]}; see ${program} --help`);
}

export function parseCommandLine(argv: readonly string[], table: FlagTable, program: string): CommandLine {
  const line: CommandLine = { images: [], options: {}, check: false, json: false, help: false, version: false };
  const byLong = new Map(table.flags.map((f) => [f.long, f]));
  const byShort = new Map(table.flags.filter((f) => f.short).map((f) => [`-${f.short}`, f]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    // A flag of ours is never taken as the previous one's value: `--base-dir --json` is a forgotten DIR.
    const next = (flag: Flag): string => {
      const value = argv[i + 1];
      if (value === undefined || GLOBAL[value] || byLong.has(value.split('=')[0]!)) {
        throw new UsageError(`Option ${flagLabel(flag)} needs a value (${flag.metavar})`);
      }
      i++;
      return value;
    };
    if (token === '--') {
      line.images.push(...argv.slice(i + 1));
      break;
    }
    const global = GLOBAL[token];
    if (global) {
      line[global] = true;
    } else if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = eq < 0 ? token : token.slice(0, eq);
      const negated = name.startsWith('--no-') ? byLong.get(`--${name.slice(5)}`) : undefined;
      const flag = byLong.get(name) ?? (negated?.switch ? negated : undefined);
      if (!flag) throw unknownFlag(token, program);
      if (flag === negated) {
        if (eq >= 0) throw new UsageError(`Option ${name} takes no value`);
        line.options[flag.option] = false;
      } else if (flag.switch) {
        line.options[flag.option] = eq < 0 ? true : convert(flag, token.slice(eq + 1));
      } else {
        line.options[flag.option] = convert(flag, eq < 0 ? next(flag) : token.slice(eq + 1));
      }
    } else if (token.startsWith('-') && token.length > 1) {
      const flag = byShort.get(token.slice(0, 2));
      if (!flag) throw unknownFlag(token, program);
      line.options[flag.option] = convert(flag, token.length > 2 ? token.slice(2) : next(flag));
    } else {
      line.images.push(token);
    }
  }
  return line;
}
