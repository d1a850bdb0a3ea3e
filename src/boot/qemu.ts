// Boots an LTSP image in QEMU as a netbooted client would, and reports whether systemd reached multi-user.target, and when.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { detectAccel, type Accel } from './accel.js';
import { consoleMarkers, consoleTail, fatalSign, MARKER } from './console.js';
import { imagesDisk } from './disk.js';
import { concatInitrds } from './initrd.js';
import { workDirLayout } from '../layout/work-dir.js';
import { diesWithParent } from './orphan.js';

export interface BootOptions {
  /** The image's kernel (the staged one of a build, or TFTP/ltsp/NAME/vmlinuz). */
  kernel: string;
  /** Concatenated in this order into the one initrd QEMU loads: ltsp.img first, as iPXE loads it. */
  initrds: string[];
  /** The squashfs to boot; only read (a copy goes on the client's disk). */
  image: string;
  imageName: string;
  timeoutMs: number;
  /** Where the run's disk and initrd go (in its `boot` dir, removed before bootClient returns). */
  workDir: string;
  signal?: AbortSignal;
  /** false: copy the image instead of hard-linking it (a link changes the image's ctime and link count). */
  linkImage?: boolean;
  accel?: Accel;
  memoryMiB?: number;
}

export interface BootResult {
  /** The client said multi-user.target is active. */
  reached: boolean;
  /** From QEMU's start to that message, or to the end of the run when it never came. */
  seconds: number;
  accel: Accel;
  /** Why the run ended: `done` (the client's report finished), `timeout after N s`, what the console showed, or QEMU's exit. */
  ended: string;
  consoleTail: string;
  /** Every `ltsp-boot-check: key=value` the client printed. */
  markers: Map<string, string>;
  pid: number;
}

const MAC = '52:54:00:12:34:56';
export const QEMU = 'qemu-system-x86_64';

export function kernelCmdline(imageName: string): string {
  const bootif = `01-${MAC.replace(/:/g, '-')}`;
  return `root=/dev/vda ro ltsp.image=images/${imageName}.img loop.max_part=9 BOOTIF=${bootif} console=ttyS0 panic=-1`;
}

function qemuArgs(accel: Accel, memoryMiB: number, kernel: string, initrd: string, disk: string, cmdline: string): string[] {
  return [
    '-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(memoryMiB), '-smp', '1',
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio',
    // A kernel panic (panic=-1 reboots at once) ends the run instead of looping.
    '-no-reboot',
    '-kernel', kernel, '-initrd', initrd, '-append', cmdline,
    // snapshot=on: the client's writes go to a temp overlay, never to the disk.
    '-drive', `file=${disk},format=raw,if=virtio,snapshot=on`,
    // `ltsp init` needs a network interface; restrict=on keeps the guest off the host's network.
    '-nic', `user,model=virtio-net-pci,restrict=on,mac=${MAC}`,
  ];
}

/** Boots the image; QEMU is killed and the run's files removed before it returns, also on failure. */
export async function bootClient(options: BootOptions): Promise<BootResult> {
  const accel = options.accel ?? detectAccel();
  const { boot } = workDirLayout(options.workDir);
  const dir = boot.dir;
  await fs.mkdir(dir, { mode: 0o700 });
  try {
    const disk = await imagesDisk(options.image, options.imageName, boot, { signal: options.signal, link: options.linkImage ?? true });
    const initrd = await concatInitrds(options.initrds, boot.initrd);
    const args = qemuArgs(accel, options.memoryMiB ?? 1536, options.kernel, initrd, disk, kernelCmdline(options.imageName));
    return await runQemu(args, accel, dir, options.timeoutMs, options.signal);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function runQemu(args: string[], accel: Accel, tmpDir: string, timeoutMs: number, signal?: AbortSignal): Promise<BootResult> {
  const [command, ...rest] = diesWithParent([QEMU, ...args]);
  // TMPDIR: snapshot=on keeps its overlay there, inside the run's dir.
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmpDir } });
  const started = performance.now();
  const exited = new Promise<string>((resolve) => child.once('close', (code, sig) => resolve(`qemu exited (${sig ?? `code ${code}`})`)));
  let raw = '';
  let reachedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const watched = new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      const onData = (chunk: string): void => {
        const seen = raw.length;
        raw += chunk;
        // Enough of what came before for a fatal line's cause, which is printed just before it.
        const recent = raw.slice(Math.max(0, seen - 2000));
        if (reachedAt === undefined && recent.includes(`${MARKER} multi-user.target=active`)) reachedAt = performance.now();
        if (recent.includes(`${MARKER} done=1`)) resolve('done');
        const fatal = reachedAt === undefined ? fatalSign(recent) : null;
        if (fatal) resolve(fatal);
      };
      // Decoded by the streams, so a character split between two reads stays whole.
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      timer = setTimeout(() => resolve(`timeout after ${timeoutMs / 1000} s`), timeoutMs);
      onAbort = () => resolve('interrupted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const raced = await Promise.race([watched, exited]);
    // panic=-1 ends QEMU right after a panic: say what the console showed rather than only that QEMU exited.
    const ended = reachedAt === undefined && raced.startsWith('qemu exited') ? (fatalSign(raw) ?? raced) : raced;
    const end = reachedAt ?? performance.now();
    return {
      reached: reachedAt !== undefined,
      seconds: Math.round((end - started) / 100) / 10,
      accel,
      ended,
      consoleTail: consoleTail(raw),
      markers: consoleMarkers(raw),
      pid: child.pid ?? -1,
    };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // No pid: setpriv itself could not start, and there is no process to wait for.
    if (child.pid !== undefined) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }
}
