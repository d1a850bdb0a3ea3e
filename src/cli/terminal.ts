// What a person at a terminal sees while a run works: finished phases with their times, and a live line for the current one with mksquashfs's bar.
import type { Progress } from '../report/progress.js';

const CLEAR = '\r\x1b[K';

export interface Glyphs {
  spinner: string[];
  done: string;
  failed: string;
  fill: string;
  empty: string;
}

/** Box-drawing and braille only where the locale says UTF-8; plain ASCII elsewhere (a serial console, LANG=C). */
export function glyphs(env: NodeJS.ProcessEnv = process.env): Glyphs {
  const utf8 = /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '');
  return utf8
    ? { spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'], done: '✓', failed: '✗', fill: '█', empty: '░' }
    : { spinner: ['-', '\\', '|', '/'], done: '+', failed: 'x', fill: '#', empty: '.' };
}

export function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A finished phase's time: hundredths below 10 s, where they say something. */
function phaseTime(seconds: number): string {
  return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
}

export function bar(done: number, total: number, width: number, g: Glyphs): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `${g.fill.repeat(filled)}${g.empty.repeat(width - filled)} ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

export class TerminalProgress implements Progress {
  readonly live = true;
  private phase: string | null = null;
  private started = 0;
  private reading: { done: number; total: number } | null = null;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly g: Glyphs;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.g = glyphs();
  }

  start(phase: string): void {
    this.phase = phase;
    this.started = Date.now();
    this.reading = null;
    this.timer ??= setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  end(phase: string, seconds: number): void {
    this.out.write(`${CLEAR}  ${this.g.done} ${phase.padEnd(12)} ${phaseTime(seconds)}\n`);
    if (this.phase === phase) this.phase = null;
    this.draw();
  }

  advance(done: number, total: number): void {
    this.reading = { done, total };
    this.draw();
  }

  note(message: string): void {
    this.out.write(`${CLEAR}  ${message}\n`);
    this.draw();
  }

  /** Ends the live line; a phase still open is the one that failed or was interrupted. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.phase) this.out.write(`${CLEAR}  ${this.g.failed} ${this.phase}\n`);
    this.phase = null;
  }

  private draw(): void {
    if (!this.phase) return;
    const spin = this.g.spinner[this.frame++ % this.g.spinner.length];
    const elapsed = clock((Date.now() - this.started) / 1000);
    const columns = this.out.columns || 80;
    const width = Math.max(10, Math.min(40, columns - 36));
    const meter = this.reading ? ` ${bar(this.reading.done, this.reading.total, width, this.g)}` : '';
    this.out.write(`${CLEAR}  ${spin} ${this.phase.padEnd(12)}${meter}  ${elapsed}`);
  }
}

/** Not a terminal (a pipe, a log file, cron): one plain line per finished phase, no control characters, no bar. */
export class LineProgress implements Progress {
  readonly live = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  start(): void {}

  end(phase: string, seconds: number): void {
    this.out.write(`  ${phase} done in ${phaseTime(seconds)}\n`);
  }

  advance(): void {}

  note(message: string): void {
    this.out.write(`  ${message}\n`);
  }

  finish(): void {}
}
