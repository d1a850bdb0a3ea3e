// A private mount namespace where `/` is no mount point (a build chroot, Ansible's chroot connection): unshare's own `--propagation private` fails there with EINVAL.
import fs from 'node:fs';
import { findExecutable } from '../core/executable.js';
import { ModuleError } from '../core/errors.js';

/**
 * Makes every mount of the new namespace private, then runs argv[1:]. A chroot's root is a directory on some mount
 * it cannot name, so the program steps out of the chroot (chroot into a subdirectory, `..` up to the real root: the
 * namespace's own, which nothing else sees), makes that root private recursively, and returns into the chroot by
 * its descriptor before anything is mounted. Bind-mounting the chroot on itself instead would propagate that very
 * mount to the host's namespace. A fixed program: the command arrives as argv.
 */
const PROGRAM = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def private():
    return libc.mount(b'none', b'/', None, 0x4000 | 0x40000, None) == 0
if not private():
    home = os.open('/', os.O_RDONLY | os.O_DIRECTORY)
    os.chdir('/')
    os.chroot(os.path.dirname(os.path.realpath(sys.executable)))
    here = lambda name: (os.stat(name).st_dev, os.stat(name).st_ino)
    while here('.') != here('..'):
        os.chdir('..')
    os.chroot('.')
    done = private()
    errno = ctypes.get_errno()
    os.fchdir(home)
    os.chroot('.')
    os.chdir('/')
    os.close(home)
    if not done:
        sys.stderr.write('cannot make the mount namespace private: %s\\n' % os.strerror(errno))
        sys.exit(1)
os.execv(sys.argv[1], sys.argv[1:])
`;

/** Whether `/` is a mount point of this namespace (then unshare makes it private itself); false when /proc is not there to say. */
export function rootIsMountPoint(): boolean {
  try {
    return fs
      .readFileSync('/proc/self/mountinfo', 'latin1')
      .split('\n')
      .some((line) => line.split(' ')[4] === '/');
  } catch {
    return false;
  }
}

/** The argv prefix, after `unshare --propagation unchanged --`, that makes the namespace private where unshare cannot. */
export function privateRootPrefix(): string[] {
  const python = findExecutable('/usr/bin/python3') ?? findExecutable('python3');
  if (!python) {
    throw new ModuleError('This system\'s / is not a mount point (a chroot), and making the build\'s mount namespace private there needs python3: install it (apt-get install python3)');
  }
  return [python, '-I', '-S', '-c', PROGRAM];
}
