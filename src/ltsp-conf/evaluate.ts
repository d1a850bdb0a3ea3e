// Evaluates the sections `ltsp image` evaluates on a server, in its order, into shell variables: assignments and INCLUDE only.
import type { Command, Part } from './lexer.js';
import { lexSection } from './lexer.js';
import { confError } from './located.js';
import { matchesSection } from './pattern.js';
import type { Section } from './sections.js';

export interface Assigned {
  value: string;
  line: number;
}

export interface Evaluation {
  /** Every variable the file assigned, with the line of its last assignment. */
  assigned: Map<string, Assigned>;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** NAME=value at its longest: a hook gets it in its environment, where Linux takes at most 128 KiB a string. */
const MAX_VALUE = 64 << 10;
/** All the file's values together: each line can double a value (A=$A$A), so a short file could ask for gigabytes. */
const MAX_TOTAL = 1 << 20;
const TOO_LONG_FIX = 'no setting needs this much: look for a variable that expands itself (A=$A$A), or set ltsp_conf: "" to ignore the file';

/** The leading unquoted text of a word: only there does sh see NAME= as an assignment. */
function unquotedPrefix(word: Part[]): string {
  let prefix = '';
  for (const part of word) {
    if (!('text' in part) || part.quoted) break;
    prefix += part.text;
  }
  return prefix;
}

class Evaluator {
  private readonly functions = new Map<string, Command[] | { body: Section['body'] }>();
  private readonly patterns: { pattern: string; id: string }[] = [];
  /** The reference's per-section guard variables: each section runs at most once. */
  private readonly ran: string[] = [];
  readonly assigned = new Map<string, Assigned>();
  /** The length of all values in `assigned`. */
  private total = 0;

  constructor(
    private readonly file: string,
    sections: Section[],
    private readonly vars: Map<string, string>,
  ) {
    // The reference's case statement lists `unnamed` first, then every header in file order; a redefined function keeps its last body.
    this.patterns.push({ pattern: 'unnamed', id: sections[0]!.id });
    for (const section of sections) {
      this.functions.set(section.id, { body: section.body });
      if (section.line) this.patterns.push({ pattern: section.pattern, id: section.id });
    }
  }

  /** What: the word's role, for the message when it would be too long. */
  private expand(word: Part[], line: number, what: string): string {
    let text = '';
    for (const part of word) {
      text += 'text' in part ? part.text : (this.vars.get(part.variable) ?? '');
      if (text.length > MAX_VALUE) throw confError(this.file, line, `${what} would be longer than 64 KiB`, TOO_LONG_FIX);
    }
    return text;
  }

  private commands(id: string): Command[] {
    const fn = this.functions.get(id)!;
    if (Array.isArray(fn)) return fn;
    const lexed = lexSection(this.file, fn.body);
    this.functions.set(id, lexed);
    return lexed;
  }

  private runCommand(command: Command): void {
    const { words, line } = command;
    let index = 0;
    for (; index < words.length; index++) {
      const name = ASSIGNMENT.exec(unquotedPrefix(words[index]!))?.[1];
      if (!name) break;
      const value = this.expand(words[index]!, line, `the value of ${name}`).slice(name.length + 1);
      this.total += value.length - (this.assigned.get(name)?.value.length ?? 0);
      if (this.total > MAX_TOTAL) throw confError(this.file, line, `with ${name}, the file's variables would hold more than 1 MiB`, TOO_LONG_FIX);
      this.vars.set(name, value);
      this.assigned.set(name, { value, line });
    }
    if (index === words.length) return;
    const expand = (word: Part[]) => this.expand(word, line, 'a word');
    const commandName = expand(words[index]!);
    if (commandName === 'section_call' && index === 0) {
      this.call(words.slice(1).map(expand));
      return;
    }
    let shown = '';
    for (const word of words) if (shown.length <= 60) shown += `${shown ? ' ' : ''}${expand(word)}`;
    throw confError(this.file, line, `"${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}" is a shell command, which ltsp_image does not run`);
  }

  /** section_call: for each name the first matching section runs, once per run like the reference's guard variables. */
  call(names: readonly string[]): void {
    for (const name of names) {
      const match = this.patterns.find((p) => matchesSection(p.pattern, name));
      if (!match || this.ran.includes(match.id)) continue;
      this.ran.push(match.id);
      for (const command of this.commands(match.id)) this.runCommand(command);
    }
  }

  get(name: string): string {
    return this.vars.get(name) ?? '';
  }
}

export interface NetworkNames {
  mac: string;
  ip: string;
}

/** vars: the shell variables before the file (environment, BASE_DIR and the like, HOSTNAME); changed in place. */
export function evaluateForImage(file: string, sections: Section[], vars: Map<string, string>, network: NetworkNames | null): Evaluation {
  const e = new Evaluator(file, sections, vars);
  if (network) {
    vars.set('MAC_ADDRESS', vars.get('MAC_ADDRESS') || network.mac);
    vars.set('IP_ADDRESS', vars.get('IP_ADDRESS') || network.ip);
  }
  const own = () => (network ? [e.get('MAC_ADDRESS'), e.get('IP_ADDRESS')] : []);
  e.call(['unnamed', 'common', 'server', ...own()]);
  // [MAC] and [IP] sections may set HOSTNAME, so it is read only now, as the reference does.
  e.call([e.get('HOSTNAME')]);
  e.call(['image/', ...own().map((n) => `image/${n}`), `image/${e.get('HOSTNAME')}`]);
  return { assigned: e.assigned };
}
