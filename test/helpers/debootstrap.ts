// A real Debian root tree for tests: debootstrap once, keep a tarball in .scratch/cache, and extract a fresh copy per call.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { debianMirror } from './apt-mirror.js';
import { CACHE_ROOT, mountsUnder, removeScratch, scratchDir } from './tmp.js';

export interface DebootstrapOptions {
  suite?: string;
  variant?: string;
  include?: string[];
  arch?: string;
  /** Defaults to the mirror this machine's apt uses (see apt-mirror.ts). */
  mirror?: string;
}

const LOCK_TIMEOUT_MS = 20 * 60 * 1000;
const building = new Map<string, Promise<string>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock directory shared with other test processes; a lock left by a dead process is taken over. */
async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await fs.mkdir(lock);
      await fs.writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(await fs.readFile(path.join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (pid > 0 && !alive(pid)) await fs.rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${pid || 'unknown'})`);
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

const TAR_XATTRS = ['--numeric-owner', '--xattrs', '--xattrs-include=*'];

/** Runs debootstrap into a scratch dir and archives the result (atomically) as tarball. */
async function bootstrap(opts: Required<DebootstrapOptions>, tarball: string): Promise<void> {
  const dir = await scratchDir('debootstrap-');
  const args = [`--variant=${opts.variant}`, `--arch=${opts.arch}`];
  if (opts.include.length > 0) args.push(`--include=${opts.include.join(',')}`);
  const started = Date.now();
  try {
    const run = await execa('debootstrap', [...args, opts.suite, dir, opts.mirror], { reject: false, stdin: 'ignore', all: true });
    if (run.exitCode !== 0) {
      const log = await fs.readFile(path.join(dir, 'debootstrap/debootstrap.log'), 'utf8').catch(() => '');
      const tail = (log || run.all || '').trim().split('\n').slice(-15).join('\n');
      throw new Error(`debootstrap ${[...args, opts.suite, dir, opts.mirror].join(' ')} failed (${run.shortMessage}):\n${tail}`);
    }
    const mounted = await mountsUnder(dir);
    if (mounted.length > 0) throw new Error(`debootstrap left mounts behind: ${mounted.join(', ')}`);
    const partial = `${tarball}.${process.pid}.partial`;
    await execa('tar', [...TAR_XATTRS, '-cpf', partial, '-C', dir, '.']);
    await fs.rename(partial, tarball);
    console.error(`      (debootstrap of ${opts.suite} ${opts.variant} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await removeScratch(dir);
  }
}

async function resolve(options: DebootstrapOptions): Promise<Required<DebootstrapOptions>> {
  const suite = options.suite ?? 'bookworm';
  return {
    suite,
    variant: options.variant ?? 'minbase',
    include: [...(options.include ?? ['openssh-server'])].sort(),
    arch: options.arch ?? (await execa('dpkg', ['--print-architecture'])).stdout.trim(),
    mirror: options.mirror ?? (await debianMirror(suite)),
  };
}

/** The cached tarball of a debootstrap run, made on first use; safe to call concurrently and from several processes. */
export async function debianTarball(options: DebootstrapOptions = {}): Promise<string> {
  const opts = await resolve(options);
  const key = createHash('sha256').update(JSON.stringify(opts)).digest('hex').slice(0, 12);
  const tarball = path.join(CACHE_ROOT, `debootstrap-${opts.suite}-${opts.variant}-${opts.arch}-${key}.tar`);
  let pending = building.get(tarball);
  if (!pending) {
    pending = (async () => {
      if (existsSync(tarball)) return tarball;
      await fs.mkdir(CACHE_ROOT, { recursive: true });
      await withLock(`${tarball}.lock`, async () => {
        if (!existsSync(tarball)) await bootstrap(opts, tarball);
      });
      return tarball;
    })();
    building.set(tarball, pending);
    pending.catch(() => building.delete(tarball));
  }
  return pending;
}

/**
 * A fresh Debian tree (default: bookworm minbase + openssh-server) in a new scratch directory, with owners,
 * modes, xattrs and device nodes preserved. The caller owns it: remove it with removeScratch() from tmp.ts.
 */
export async function debianTree(options: DebootstrapOptions = {}): Promise<string> {
  const tarball = await debianTarball(options);
  const dir = await scratchDir('debian-');
  await execa('tar', [...TAR_XATTRS, '-xpf', tarball, '-C', dir]);
  return dir;
}
