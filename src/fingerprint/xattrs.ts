// The one reader of extended attributes (Node.js has no xattr call): a python3 process per walk answers for paths fed NUL-separated on stdin.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { findExecutable } from '../core/executable.js';
import { ModuleError } from '../core/errors.js';
import type { Xattr } from './xattr-digest.js';

/** A path's attributes, or the errno name (ENOENT, ...) that listing them failed with. */
export type XattrAnswer = Xattr[] | { error: string };

/**
 * Answers each path (NUL-terminated on stdin) with one line: `hexname:hexvalue` pairs separated by spaces, empty
 * for none (or a filesystem without xattrs), `!ERRNO` when the path cannot be read. Symlinks are never followed.
 * A path longer than PATH_MAX is read from its directory, reached one component at a time (`near`).
 * Output is flushed after every chunk of input, so a caller may wait for answers without closing stdin.
 */
export const XATTR_PROGRAM = `
import errno, os, sys
def near(p):
    if len(p) < 4096: return p
    head, _, name = p.rpartition(b'/')
    fd = os.open(b'/', os.O_PATH | os.O_DIRECTORY)
    try:
        for part in head.split(b'/'):
            if part:
                step = os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = step
        os.fchdir(fd)
    finally:
        os.close(fd)
    return name
def answer(p):
    try:
        p = near(p)
        names = os.listxattr(p, follow_symlinks=False)
    except OSError as e:
        if e.errno == errno.ENOTSUP: return b''
        return b'!' + errno.errorcode.get(e.errno, str(e.errno)).encode()
    pairs = []
    for n in names:
        try:
            v = os.getxattr(p, n, follow_symlinks=False)
        except OSError as e:
            if e.errno == errno.ENODATA: continue
            return b'!' + errno.errorcode.get(e.errno, str(e.errno)).encode()
        pairs.append(os.fsencode(n).hex().encode() + b':' + v.hex().encode())
    return b' '.join(pairs)
rest = b''
while True:
    chunk = sys.stdin.buffer.read1(1 << 16)
    if not chunk: break
    parts = (rest + chunk).split(b'\\0')
    rest = parts.pop()
    sys.stdout.buffer.write(b''.join(answer(p) + b'\\n' for p in parts))
    sys.stdout.buffer.flush()
`;

/** Isolated (no PYTHON* variables, no user or site packages): root runs it, and it starts faster. */
const PYTHON_ARGS = ['-I', '-S', '-c', XATTR_PROGRAM];


/**
 * The distribution's python3 first, as Ansible's interpreter discovery picks it on Debian and Ubuntu: a root process
 * then runs no per-user shim from PATH (pyenv's costs 0.3 s of bash before python starts); else PATH's python3.
 */
const PLATFORM_PYTHON = '/usr/bin/python3';

function pythonPath(): string | null {
  return findExecutable(PLATFORM_PYTHON) ?? findExecutable('python3');
}

function python(): string {
  const found = pythonPath();
  if (found) return found;
  throw new ModuleError(
    'Cannot read the extended attributes of the source, which mksquashfs stores in the image: python3 is not installed; install it (apt-get install python3-minimal), or add -no-xattrs to mksquashfs_params to leave them out of the image',
  );
}

function parse(line: string): XattrAnswer {
  if (line.startsWith('!')) return { error: line.slice(1) };
  if (line === '') return [];
  return line.split(' ').map((pair) => {
    const colon = pair.indexOf(':');
    return { name: Buffer.from(pair.slice(0, colon), 'hex').toString('latin1'), value: Buffer.from(pair.slice(colon + 1), 'hex') };
  });
}

/** Reads the attributes of a few paths at once (direct reads, tests); null when python3 is missing or fails. */
export function readXattrsSync(paths: ReadonlyArray<string | Buffer>): XattrAnswer[] | null {
  const program = pythonPath();
  if (!program) return null;
  const input = Buffer.concat(paths.flatMap((p) => [Buffer.from(p), Buffer.alloc(1)]));
  const run = spawnSync(program, PYTHON_ARGS, { input, encoding: 'latin1', maxBuffer: 1 << 30 });
  if (run.status !== 0) return null;
  return run.stdout.split('\n').slice(0, paths.length).map(parse);
}

/** One python3 process for a whole walk, asked batch by batch; started on the first question. */
export class XattrReader {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | null = null;
  private text = '';
  private stderr = '';
  private waiter: { count: number; resolve: (lines: string[]) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  /** The answers for `paths`, in order; one call at a time. */
  async read(paths: readonly Buffer[]): Promise<XattrAnswer[]> {
    if (paths.length === 0) return [];
    const child = (this.child ??= this.start());
    if (this.failure) throw this.failure;
    const answered = new Promise<string[]>((resolve, reject) => (this.waiter = { count: paths.length, resolve, reject }));
    child.stdin.write(Buffer.concat(paths.flatMap((p) => [p, Buffer.alloc(1)])));
    this.deliver();
    return (await answered).map(parse);
  }

  close(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private start(): ChildProcessByStdio<Writable, Readable, Readable> {
    const child = spawn(python(), PYTHON_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('latin1');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      this.text += text;
      this.deliver();
    });
    child.stderr.on('data', (text: string) => {
      if (this.stderr.length < 4096) this.stderr += text;
    });
    child.stdin.on('error', () => undefined);
    const fail = (error: Error): void => {
      this.failure ??= error;
      this.waiter?.reject(this.failure);
      this.waiter = null;
    };
    child.on('error', fail);
    child.on('close', (code) => fail(new Error(`python3 reading extended attributes exited with ${code}: ${this.stderr.trim() || 'no message'}`)));
    return child;
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    let end = -1;
    for (let i = 0; i < waiter.count; i++) {
      end = this.text.indexOf('\n', end + 1);
      if (end < 0) return;
    }
    const lines = this.text.slice(0, end).split('\n');
    this.text = this.text.slice(end + 1);
    this.waiter = null;
    waiter.resolve(lines);
  }
}
