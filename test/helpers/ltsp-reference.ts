// Runs a command (Debian's `ltsp image`, or the module) with a test ltsp.conf on /etc/ltsp, in a private mount namespace, so the machine's /etc is never written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { RUN_MARK } from './tmp.js';

/** /etc is overlaid (upper dir in scratch) only inside the namespace, so /etc/ltsp can be made and bind-mounted there. */
const SCRIPT = [
  'set -e',
  'work=$1; conf=$2; shift 2',
  'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/work" /etc',
  'mkdir -p /etc/ltsp',
  'mount --bind "$conf" /etc/ltsp',
  'exec "$@"',
].join('\n');

function pick(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]!]));
}

export interface ReferenceRun {
  code: number;
  output: string;
  stdout: string;
}

/** confDir holds the ltsp.conf to use; command is an argv run with it on /etc/ltsp. */
export async function withEtcLtsp(scratch: string, confDir: string, command: string[], env: Record<string, string> = {}, input?: string): Promise<ReferenceRun> {
  const work = await fs.mkdtemp(path.join(scratch, 'etc-overlay-'));
  await fs.mkdir(path.join(work, 'upper'));
  await fs.mkdir(path.join(work, 'work'));
  const child = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', work, confDir, ...command], {
    // The run's private TMPDIR and mark, so its leak checks see what this child leaves.
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...pick('TMPDIR', RUN_MARK), ...env },
    extendEnv: false,
    reject: false,
    all: true,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  await fs.rm(work, { recursive: true, force: true });
  return { code: child.exitCode ?? -1, output: String(child.all), stdout: String(child.stdout) };
}

/** `ltsp image ARGS` with the ltsp.conf in confDir. */
export function referenceImage(scratch: string, confDir: string, args: string[], env: Record<string, string> = {}): Promise<ReferenceRun> {
  return withEtcLtsp(scratch, confDir, ['ltsp', 'image', ...args], env);
}
