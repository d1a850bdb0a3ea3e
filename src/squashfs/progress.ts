// mksquashfs draws its progress bar only on a terminal (on a pipe it prints the final 100% and little else), so a watched build runs it under a small pseudo-terminal and reads the bar back.
import { executable } from './command.js';

/**
 * Runs argv[1:] with stdout on a fresh pseudo-terminal (stderr stays as it is) and copies what it prints to our stdout.
 * A fixed program: the command comes in as argv, never through a shell. Exits with the command's status (128+N for signal N).
 * Python 3.5 and later (Ubuntu 20.04 has 3.8): nothing newer than os.openpty and os.WIFSIGNALED.
 */
const PTY_PROGRAM = [
  'import os, sys, signal, struct, fcntl, termios',
  'signal.signal(signal.SIGINT, signal.SIG_DFL)',
  'master, slave = os.openpty()',
  "fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 1, 100, 0, 0))",
  'pid = os.fork()',
  'if pid == 0:',
  '    os.close(master)',
  '    os.dup2(slave, 1)',
  '    os.close(slave)',
  '    try:',
  '        os.execvp(sys.argv[1], sys.argv[1:])',
  '    except OSError as e:',
  "        os.write(2, ('%s: %s\\n' % (sys.argv[1], e.strerror)).encode())",
  '        os._exit(127)',
  'os.close(slave)',
  'while True:',
  '    try:',
  '        data = os.read(master, 65536)',
  '    except OSError:',
  '        break',
  '    if not data:',
  '        break',
  '    os.write(1, data)',
  'status = os.waitpid(pid, 0)[1]',
  'sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))',
].join('\n');

/** The argv that shows mksquashfs's bar to us, or the argv itself when python3 is not here (then there is no bar, only the phase). */
export function onPseudoTerminal(argv: string[]): string[] {
  return executable('python3') ? ['python3', '-c', PTY_PROGRAM, ...argv] : argv;
}

export interface Advance {
  done: number;
  total: number;
}

/** Reads mksquashfs's bar, `[===/    ]  812/1600  50%`, from its output as it arrives; chunks may split a bar anywhere. */
export class ProgressReader {
  private tail = '';

  /** The newest complete reading in this chunk, if any. */
  feed(chunk: string): Advance | null {
    const text = this.tail + chunk;
    let last: Advance | null = null;
    let end = 0;
    for (const match of text.matchAll(/\]\s*(\d+)\/(\d+)\s+\d+%/g)) {
      last = { done: Number(match[1]), total: Number(match[2]) };
      end = match.index + match[0].length;
    }
    this.tail = text.slice(end).slice(-200);
    return last;
  }
}
