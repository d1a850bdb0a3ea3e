// Serves a VM disk as the raw disk it holds, read-only, by qemu-storage-daemon's FUSE export in a mount namespace of its own, so nothing outlives it.
import fs from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { diesWithParent } from '../boot/orphan.js';
import { ModuleError, oneLine } from '../core/errors.js';
import { INSTALL_QEMU, type VmFormat } from './vm-disk.js';

export interface ServedDisk {
  /** The raw disk: the image path itself in the caller's namespace, or the daemon's view of it through /proc/PID/root. */
  path: string;
  stop(): Promise<void>;
}

const READY_MS = 30_000;

/**
 * The export is mounted over the image file itself, in a private mount namespace: no mount point to make or remove,
 * and the mount is gone with the namespace. `locking: on` takes QEMU's shared OFD locks (no lock file): a running VM
 * that writes the disk holds a lock that makes the daemon refuse, and no VM can start writing it while the build
 * reads it, so the image comes from one consistent state.
 */
function argv(file: string, format: VmFormat, ownNamespace: boolean): string[] {
  const blockdev = (spec: object) => ['--blockdev', JSON.stringify(spec)];
  return diesWithParent([
    ...(ownNamespace ? ['unshare', '--mount', '--propagation', 'private', '--'] : []),
    'qemu-storage-daemon',
    ...blockdev({ driver: 'file', 'node-name': 'file', filename: file, 'read-only': true, locking: 'on' }),
    ...blockdev({ driver: format, 'node-name': 'disk', file: 'file', 'read-only': true }),
    '--export', JSON.stringify({ type: 'fuse', id: 'raw', 'node-name': 'disk', mountpoint: file, writable: false }),
  ]);
}

async function failure(child: ResultPromise, file: string): Promise<ModuleError> {
  const result = await child;
  const why = oneLine(String(result.stderr ?? result.message ?? ''));
  if ((result as { code?: string }).code === 'ENOENT' || /qemu-storage-daemon.*(No such file|not found)/.test(why)) {
    return new ModuleError(`Reading VM disk ${file} needs qemu-storage-daemon: ${INSTALL_QEMU}`);
  }
  if (/lock/i.test(why)) return new ModuleError(`VM disk ${file} is in use (${why}): shut the VM down before building, or build from a copy of its disk`);
  return new ModuleError(`qemu-storage-daemon cannot serve ${file} (${why}); check that /dev/fuse exists (modprobe fuse)`);
}

/**
 * Starts the daemon and waits until its FUSE export stands over the image file. `ownNamespace`: the daemon gets a
 * mount namespace of its own (it dies with its parent, and the mount with it); otherwise the caller's namespace must
 * be private and die with the run, as the namespace worker's does (whose PID namespace hides the daemon's /proc entry).
 */
export async function serveRaw(image: string, format: VmFormat, ownNamespace: boolean): Promise<ServedDisk> {
  const file = fs.realpathSync(image);
  const original = fs.statSync(file);
  const [command, ...args] = argv(file, format, ownNamespace);
  const child = execa(command!, args, { reject: false, stdin: 'ignore', stdout: 'ignore' });
  let exited = false;
  void child.then(() => (exited = true));
  const served = ownNamespace ? `/proc/${child.pid}/root${file}` : file;
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (exited || child.pid === undefined) throw await failure(child, image);
    const stat = fs.statSync(served, { throwIfNoEntry: false });
    if (stat && stat.dev !== original.dev) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ModuleError(`qemu-storage-daemon did not serve ${image} within ${READY_MS / 1000} s; check that /dev/fuse works (modprobe fuse)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    path: served,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}
