// Runs Debian's `ltsp image` with a test ltsp.conf on /etc/ltsp, in a private mount namespace, so the machine's /etc is never written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** /etc is overlaid (upper dir in scratch) only inside the namespace, so /etc/ltsp can be made and bind-mounted there. */
const SCRIPT = [
  'set -e',
  'work=$1; conf=$2; shift 2',
  'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/work" /etc',
  'mkdir -p /etc/ltsp',
  'mount --bind "$conf" /etc/ltsp',
  'exec ltsp image "$@"',
].join('\n');

export interface ReferenceRun {
  code: number;
  output: string;
}

/** confDir holds the ltsp.conf to use; args go to `ltsp image` (flags, then image names). */
export async function referenceImage(scratch: string, confDir: string, args: string[], env: Record<string, string> = {}): Promise<ReferenceRun> {
  const work = await fs.mkdtemp(path.join(scratch, 'etc-overlay-'));
  await fs.mkdir(path.join(work, 'upper'));
  await fs.mkdir(path.join(work, 'work'));
  const child = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', work, confDir, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    extendEnv: false,
    reject: false,
    all: true,
    encoding: 'utf8',
  });
  await fs.rm(work, { recursive: true, force: true });
  return { code: child.exitCode ?? -1, output: String(child.all) };
}
