// Reads the shell text of one ltsp.conf section into simple commands of quoted words, as sh would parse it, without running anything.
import { confError } from './located.js';

/** Literal text (quoted: it came from quotes or a backslash) or a $VAR / ${VAR} reference. */
export type Part = { text: string; quoted: boolean } | { variable: string };

export interface Command {
  line: number;
  words: Part[][];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = '&|<>()';

class Lexer {
  private i = 0;
  private line: number;
  private word: Part[] | null = null;
  private words: Part[][] = [];
  private commandLine: number;
  readonly commands: Command[] = [];

  constructor(
    private readonly s: string,
    firstLine: number,
    private readonly file: string,
  ) {
    this.line = firstLine;
    this.commandLine = firstLine;
  }

  private fail(problem: string, line = this.line): never {
    throw confError(this.file, line, problem);
  }

  private add(part: Part): void {
    if (!this.word) {
      this.word = [];
      if (!this.words.length) this.commandLine = this.line;
    }
    this.word.push(part);
  }

  private literal(text: string, quoted: boolean): void {
    // Tilde expansion would need the shell's idea of home directories; say so rather than keep a literal "~".
    if (text === '~' && !quoted) {
      const sofar = (this.word ?? []).map((p) => ('text' in p && !p.quoted ? p.text : '\0')).join('');
      if (sofar === '' || /^[A-Za-z_][A-Za-z0-9_]*=$/.test(sofar) || sofar.endsWith(':')) this.fail('tilde expansion (~) is not supported: write the full path');
    }
    this.add({ text, quoted });
  }

  private endWord(): void {
    if (this.word) this.words.push(this.word);
    this.word = null;
  }

  private endCommand(): void {
    this.endWord();
    if (this.words.length) this.commands.push({ line: this.commandLine, words: this.words });
    this.words = [];
  }

  /** At a `$`: a plain or braced variable, a literal dollar, or something only a shell could expand. */
  private dollar(): void {
    const rest = this.s.slice(this.i + 1);
    const name = NAME.exec(rest);
    if (name) {
      this.add({ variable: name[0] });
      this.i += 1 + name[0].length;
    } else if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      const inner = close < 0 ? '' : rest.slice(1, close);
      if (close < 0 || NAME.exec(inner)?.[0] !== inner) this.fail(`\${${close < 0 ? rest.slice(1, 20) : inner}} is not supported: only $VAR and \${VAR} are expanded`);
      this.add({ variable: inner });
      this.i += 2 + close;
    } else if (rest.startsWith('(')) {
      this.fail('command substitution $(...) is not supported');
    } else if (/^[0-9@*#?$!-]/.test(rest)) {
      this.fail(`the special parameter $${rest[0]} is not supported`);
    } else {
      this.literal('$', false);
      this.i++;
    }
  }

  private single(): void {
    const close = this.s.indexOf("'", this.i + 1);
    if (close < 0) this.fail("unterminated single quote '");
    const text = this.s.slice(this.i + 1, close);
    this.add({ text, quoted: true });
    this.line += text.split('\n').length - 1;
    this.i = close + 1;
  }

  private double(): void {
    const start = this.line;
    this.add({ text: '', quoted: true });
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated double quote "', start);
      if (c === '"') break;
      if (c === '`') this.fail('command substitution `...` is not supported');
      if (c === '$') {
        this.dollar();
        continue;
      }
      if (c === '\\' && this.s[this.i + 1] !== undefined && '$`"\\\n'.includes(this.s[this.i + 1]!)) {
        if (this.s[this.i + 1] === '\n') this.line++;
        else this.add({ text: this.s[this.i + 1]!, quoted: true });
        this.i += 2;
        continue;
      }
      if (c === '\n') this.line++;
      this.add({ text: c, quoted: true });
      this.i++;
    }
    this.i++;
  }

  run(): Command[] {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\\') {
        const next = s[this.i + 1];
        if (next === '\n') this.line++;
        else this.add({ text: next ?? '\\', quoted: true });
        this.i += 2;
      } else if (c === "'") this.single();
      else if (c === '"') this.double();
      else if (c === '$') this.dollar();
      else if (c === '`') this.fail('command substitution `...` is not supported');
      else if (c === ' ' || c === '\t') {
        this.endWord();
        this.i++;
      } else if (c === '\n') {
        this.endCommand();
        this.line++;
        this.i++;
      } else if (c === '#' && !this.word) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === ';') {
        if (s[this.i + 1] === ';') this.fail('";;" is only valid in a case statement');
        this.endCommand();
        this.i++;
      } else if (OPERATORS.includes(c)) {
        this.fail(`the shell operator "${c}" is not supported`);
      } else {
        this.literal(c, false);
        this.i++;
      }
    }
    this.endCommand();
    return this.commands;
  }
}

/** lines must be consecutive file lines (a section body). */
export function lexSection(file: string, lines: readonly { text: string; line: number }[]): Command[] {
  if (!lines.length) return [];
  return new Lexer(lines.map((l) => l.text).join('\n'), lines[0]!.line, file).run();
}
