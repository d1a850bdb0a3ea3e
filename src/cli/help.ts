// The --help text, written from the same schema as the Ansible docs, so the flags and their descriptions never drift apart.
import type { Flag, FlagTable } from './flags.js';
import { GLOBAL_FLAGS } from './parse.js';

const WIDTH = 80;
const COLUMN = 30;

/** Ansible doc markup (C(x), M(x), I(x), B(x), U(x)) as plain text. */
export function plain(text: string): string {
  return text.replace(/\b[CMIBU]\(([^()]*)\)/g, '$1');
}

function wrap(text: string, indent: number, first: string): string[] {
  const words = plain(text).split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first.padEnd(indent);
  let empty = true;
  if (first.trim() && first.length > indent - 2) {
    lines.push(first);
    line = ' '.repeat(indent);
  }
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function shownDefault(flag: Flag): string {
  const value = flag.default;
  if (value === undefined || value === null || (Array.isArray(value) && !value.length)) return '';
  if (typeof value === 'boolean') return flag.switch ? (value ? ' On by default.' : '') : ` Default: ${value ? 1 : 0}.`;
  return ` Default: ${Array.isArray(value) ? value.join(' ') : String(value)}.`;
}

function synopsis(flag: Flag): string {
  const long = flag.switch ? (flag.default === true ? `--[no-]${flag.long.slice(2)}` : flag.long) : `${flag.long}=${flag.metavar}`;
  return `  ${flag.short ? `-${flag.short}, ` : '    '}${long}`;
}

/** detects: a command line without IMAGE runs on every detected image (ltsp_image, as `ltsp image` does). */
export function helpText(program: string, summary: string, table: FlagTable, detects = false): string {
  const { positional } = table;
  const images = positional.required && !detects ? `${positional.metavar}...` : `[${positional.metavar}...]`;
  const lines = [`Usage: ${program} [OPTION]... ${images}`, plain(summary), '', ...wrap(positional.description, 2, '')];
  if (detects) {
    const all = `Without ${positional.metavar} (e.g. ${program} -- or ${program} --check), every chroot, VM disk and image under the base dir is built, as ltsp image does; more than 3 need ALL_IMAGES=1.`;
    lines.push('', ...wrap(all, 2, ''));
  }
  lines.push('', 'Options:');
  for (const flag of table.flags) lines.push(...wrap(`${flag.description}${shownDefault(flag)}`, COLUMN, synopsis(flag)));
  for (const global of GLOBAL_FLAGS) lines.push(...wrap(global.help, COLUMN, global.names.length > 1 ? `  ${global.names.join(', ')}` : `      ${global.names[0]}`));
  lines.push(
    '',
    ...wrap(
      `Exit status: 0 when every ${positional.metavar} is up to date or was changed, 1 when one failed or the command line is wrong. ` +
        `Ansible and other runners call this same program with a JSON args file or JSON on stdin instead of flags.`,
      0,
      '',
    ),
  );
  return `${lines.join('\n')}\n`;
}
