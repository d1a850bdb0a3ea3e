// Runs a command on a real pseudo-terminal (a detached tmux pane on a private server) and records every byte it draws.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from './settle.js';

/** Runs the command and writes its exit status to a file; it survives the Ctrl-C it passes on, so the status is always written. */
const WRAPPER = `
process.on('SIGINT', () => {});
const r = require('node:child_process').spawnSync(process.argv[2], process.argv.slice(3), { stdio: 'inherit' });
const code = r.status ?? 128 + (require('node:os').constants.signals[r.signal] ?? 0);
require('node:fs').writeFileSync(process.argv[1], String(code));
`;

export interface TerminalOptions {
  cwd: string;
  env?: Record<string, string>;
  columns?: number;
}

export class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly rawFile: string,
    private readonly statusFile: string,
  ) {}

  private tmux(...args: string[]) {
    return execa('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { env: { TMUX: '' } });
  }

  /** The pane idles until its output is being recorded, then the command replaces it (argv, no shell); the pane stays after exit. */
  static async start(argv: string[], options: TerminalOptions): Promise<Terminal> {
    const socket = `ltsp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const rawFile = path.join(options.cwd, `${socket}.raw`);
    const statusFile = path.join(options.cwd, `${socket}.status`);
    const term = new Terminal(socket, rawFile, statusFile);
    await term.tmux('new-session', '-d', '-s', 'main', '-x', String(options.columns ?? 100), '-y', '40', 'cat');
    await term.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
    await term.tmux('pipe-pane', '-t', 'main', '-o', `cat > '${rawFile}'`);
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await term.tmux('respawn-pane', '-k', '-t', 'main', '-c', options.cwd, ...env, process.execPath, '-e', WRAPPER, statusFile, ...argv);
    return term;
  }

  /** Every byte the command wrote to the terminal, control sequences included. */
  raw(): string {
    return fs.existsSync(this.rawFile) ? fs.readFileSync(this.rawFile, 'utf8') : '';
  }

  /** What the lines look like once drawn (the terminal sends \r\n for \n): each \r returns to the start, ESC[K erases the rest, other sequences are dropped. */
  lines(): string[] {
    return this.raw()
      .replace(/\r+\n/g, '\n')
      .split('\n')
      .map((line) => {
        let shown = '';
        for (const part of line.split(/(\r|\x1b\[K)/)) {
          if (part === '\r') shown = '';
          else if (part !== '\x1b[K') shown += part;
        }
        return shown.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
      });
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** The command's exit status once it ended (128+N for signal N), from the status file its wrapper writes. */
  exitCode(): number | null {
    return fs.existsSync(this.statusFile) ? Number(fs.readFileSync(this.statusFile, 'utf8')) : null;
  }

  async waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120000): Promise<void> {
    await waitFor(check, () => `${what}; the terminal showed:\n${this.lines().join('\n')}`, timeoutMs, 100);
  }

  async waitForExit(timeoutMs = 120000): Promise<number> {
    let code: number | null = null;
    await this.waitFor(() => (code = this.exitCode()) !== null, 'the command to end', timeoutMs);
    // pipe-pane's cat may still be copying the last bytes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return code!;
  }

  async close(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    fs.rmSync(this.rawFile, { force: true });
    fs.rmSync(this.statusFile, { force: true });
  }
}
