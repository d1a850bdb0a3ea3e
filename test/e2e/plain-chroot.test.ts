// Inside a plain chroot (its / no mount point, on a shared mount, as a build chroot on a systemd host): builds work, chrootless too, and no mount leaks out.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { bundleDir, parseSingleJson } from '../helpers/run-module.js';
import { requireRoot } from '../helpers/root.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

/**
 * A fixed script (its inputs are positional parameters): a shared tmpfs holds a chroot made of the machine's /usr,
 * node and the bundle; the module runs in it for a chroot dir and for its `/`, and the mount count of the namespace
 * around the chroot is printed before and after.
 */
const SCRIPT = [
  'set -e',
  'host=$1; bundle=$2; node=$3',
  'mount -t tmpfs tmpfs "$host"',
  'mount --make-shared "$host"',
  'c="$host/chroot"',
  'mkdir -p "$c/usr" "$c/proc" "$c/dev" "$c/bundle" "$c/etc" "$c/tmp" "$c/srv" "$c/src/etc"',
  'for l in bin lib lib64 sbin; do ln -s "usr/$l" "$c/$l"; done',
  'cp /etc/passwd /etc/group "$c/etc/"',
  'cp /etc/passwd /etc/group "$c/src/etc/"',
  ': > "$c/node"',
  'mount --bind /usr "$c/usr"',
  'mount --bind "$node" "$c/node"',
  'mount --bind "$bundle" "$c/bundle"',
  'mount -t proc proc "$c/proc"',
  'mount --rbind /dev "$c/dev"',
  'echo "mounts before: $(grep -c . /proc/self/mountinfo)"',
  'for name in /src /; do',
  '  printf \'{"name": "%s", "kernel": false}\\n\' "$name" | chroot "$c" /node /bundle/ltsp_image',
  '  echo',
  'done',
  'echo "mounts after: $(grep -c . /proc/self/mountinfo)"',
].join('\n');

describe('a plain chroot, its / no mount point', function () {
  let scratch: string;
  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('plain-chroot-');
  });
  after(async () => {
    if (scratch) await removeScratch(scratch);
  });

  it('builds a chroot dir and, chrootless, its own /, and no mount of either shows outside', async () => {
    const run = await execa('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'sh', scratch, bundleDir, process.execPath], {
      // The machine's TMPDIR and the like mean nothing in the chroot.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' },
      extendEnv: false,
      reject: false,
      all: true,
    });
    assert.equal(run.exitCode, 0, run.all);
    const [before, ...results] = String(run.stdout).split('\n').filter(Boolean);
    const after = results.pop();
    for (const line of results) {
      const result = parseSingleJson(line);
      assert.equal(result.changed, true, line);
      assert.equal(result.failed, undefined, line);
    }
    assert.equal(results.length, 2, run.all);
    assert.equal(after?.replace('after', 'before'), before, 'a mount of the build showed around the chroot');
  });
});
