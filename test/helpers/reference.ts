// Runs Debian's `ltsp image` (the reference tool), and our bundle beside it, in private mount namespaces that leave the machine's /etc and mounts alone: the one runner of the reference for every test.
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleDir, parseSingleJson, type ModuleRun } from './run-module.js';
import { RUN_MARK } from './tmp.js';

export interface ReferenceOptions {
  baseDir: string;
  tftpDir: string;
  /** Text of an ltsp.conf for this run; the directory holding it is bind-mounted over /etc/ltsp. */
  ltspConf?: string;
  /** Where to put that directory (created). */
  confDir: string;
}

/** Noise the reference prints on every run (it looks for busybox before it knows it needs none). */
const NOISE = /^.*Busybox not found\?!.*\n?/gm;

function tail(text: string): string {
  return text.replace(NOISE, '').trim().split('\n').slice(-25).join('\n');
}

/**
 * `ltsp --base-dir --tftp-dir image ARGS`, with BASE_DIR and TFTP_DIR in its environment too (its kernel step
 * re-runs `ltsp kernel` without the flags), with the ltsp.conf in confDir on /etc/ltsp (see withEtcLtsp).
 */
export async function runReference(args: string[], options: ReferenceOptions): Promise<string> {
  await fs.mkdir(options.confDir, { recursive: true });
  if (options.ltspConf !== undefined) await fs.writeFile(path.join(options.confDir, 'ltsp.conf'), options.ltspConf);
  const argv = ['ltsp', `--base-dir=${options.baseDir}`, `--tftp-dir=${options.tftpDir}`, 'image', ...args];
  // TMPDIR as a server has it (unset: /tmp), not the test run's: the reference's mksquashfs reads its work dir by whole paths, whose length counts.
  const run = await withEtcLtsp(path.dirname(options.confDir), options.confDir, argv, { BASE_DIR: options.baseDir, TFTP_DIR: options.tftpDir, TMPDIR: '/tmp' });
  if (run.code !== 0) throw new Error(`ltsp image ${args.join(' ')} failed (exit ${run.code}):\n${tail(run.output)}`);
  return run.output.replace(NOISE, '');
}

/** Where the host's node and the bundle appear inside a server root; `opt/ltsp*` is on the exclude list, so neither reaches an image. */
export const SERVER_ROOT_TOOLS = 'opt/ltsp-test';

// Makes root a mount of its own (as a real `/` is) unless asked for a plain chroot, brings the tools in, then chroots; all of it dies with the namespace.
const IN_ROOT = [
  'set -e',
  'root=$1; bundle=$2; node=$3; plain=$4; shift 4',
  'if [ "$plain" != plain ]; then mount --bind "$root" "$root"; fi',
  `mount --bind "$bundle" "$root/${SERVER_ROOT_TOOLS}/bundle"`,
  `mount --bind "$node" "$root/${SERVER_ROOT_TOOLS}/bin/node"`,
  'mount -t proc proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'mount --rbind /sys "$root/sys"',
  'exec chroot "$root" "$@"',
].join('\n');

const ROOT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' };

/** Creates the mount points for inServerRoot() in the tree. */
export async function prepareServerRoot(root: string): Promise<void> {
  await fs.mkdir(path.join(root, SERVER_ROOT_TOOLS, 'bundle'), { recursive: true });
  await fs.mkdir(path.join(root, SERVER_ROOT_TOOLS, 'bin'), { recursive: true });
  await fs.writeFile(path.join(root, SERVER_ROOT_TOOLS, 'bin/node'), '');
}

/** How `/` is made: a mount of its own, as on a real server or in a container, or a plain chroot (a build chroot, Ansible's chroot connection), no mount point. */
export type ServerRoot = 'mount' | 'plain';

/** Runs argv with root as `/` (chrootless mode: the server's own root is the image source), in a private mount namespace. */
async function inServerRoot(root: string, argv: string[], input?: string, kind: ServerRoot = 'mount') {
  return execa('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', IN_ROOT, 'sh', root, bundleDir, process.execPath, kind, ...argv], {
    env: ROOT_ENV,
    extendEnv: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    all: true,
    reject: false,
  });
}

/** `ltsp image /` of the package installed in root, with its defaults (/srv/ltsp, /srv/tftp inside root). */
export async function runReferenceInRoot(root: string, args: string[], kind: ServerRoot = 'mount'): Promise<string> {
  const run = await inServerRoot(root, ['ltsp', 'image', ...args], undefined, kind);
  if (run.exitCode !== 0) throw new Error(`ltsp image ${args.join(' ')} in ${root} failed (exit ${run.exitCode}):\n${tail(run.all ?? '')}`);
  return (run.all ?? '').replace(NOISE, '');
}

/** Our bundle as a module with root as `/`. */
export async function runModuleInRoot(root: string, args: Record<string, unknown>, kind: ServerRoot = 'mount'): Promise<ModuleRun> {
  const run = await inServerRoot(root, [`/${SERVER_ROOT_TOOLS}/bin/node`, `/${SERVER_ROOT_TOOLS}/bundle/ltsp_image`], JSON.stringify(args), kind);
  const stdout = String(run.stdout);
  return { code: run.exitCode ?? -1, stdout, stderr: String(run.stderr), result: parseSingleJson(stdout) };
}

/** `ltsp --version` of the package installed in root, and of the machine's. */
export async function referenceVersions(root: string): Promise<{ inRoot: string; host: string }> {
  const inRoot = await inServerRoot(root, ['ltsp', '--version']);
  const host = await execa('ltsp', ['--version'], { stdin: 'ignore', all: true, reject: false });
  return { inRoot: String(inRoot.all).replace(NOISE, '').trim(), host: String(host.all).replace(NOISE, '').trim() };
}

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
