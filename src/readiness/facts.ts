// What the readiness check needs from the image tree, read inside the namespace worker where the built tree is mounted.
import fs from 'node:fs';
import { resolveInRoot } from '../kernel/resolve-in-root.js';
import { errorMessage } from '../core/errors.js';
import { listInitramfs } from './initramfs.js';
import { kernelVersion } from './kernel-version.js';

/** The kernel options an LTSP client's boot needs: the image's filesystem, its compressors, overlayfs and loop. */
export const CONFIG_KEYS = ['CONFIG_SQUASHFS', 'CONFIG_SQUASHFS_ZLIB', 'CONFIG_SQUASHFS_LZO', 'CONFIG_SQUASHFS_XZ', 'CONFIG_SQUASHFS_LZ4', 'CONFIG_SQUASHFS_ZSTD', 'CONFIG_OVERLAY_FS', 'CONFIG_BLK_DEV_LOOP'];
/** The modules LTSP's initramfs loads to mount the image, by file name without `.ko`. */
export const INITRD_MODULES = ['squashfs', 'overlay', 'loop'];
/** Debian's client package and what it recommends for homes (ltsp/ltsp#924). */
export const CLIENT_PACKAGES = ['ltsp', 'sshfs'];

export interface ReadinessFacts {
  kernel: { vmlinuz: string; initrd: string; version: string | null } | null;
  /** Versions under the image's lib/modules. */
  modules: string[];
  /** The initrd's module versions and which of INITRD_MODULES it holds, or why it could not be read. */
  initrd: { versions: string[]; modules: string[] } | { error: string } | null;
  /** CONFIG_KEYS from boot/config-VERSION (`y`, `m`, or absent when not set); null when there is no such file. */
  config: Record<string, string> | null;
  /** Which of CLIENT_PACKAGES dpkg lists as installed; null without a dpkg status. */
  packages: string[] | null;
}

async function readInRoot(root: string, rel: string): Promise<string | null> {
  const file = await resolveInRoot(root, rel);
  if (file === null || !fs.statSync(file).isFile()) return null;
  return fs.readFileSync(file, 'utf8');
}

async function moduleVersions(root: string): Promise<string[]> {
  const dir = await resolveInRoot(root, 'lib/modules');
  if (dir === null || !fs.statSync(dir).isDirectory()) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
}

function parseConfig(text: string): Record<string, string> {
  const config: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (match && CONFIG_KEYS.includes(match[1]!)) config[match[1]!] = match[2]!;
  }
  return config;
}

/** Installed means dpkg's `Status: install ok installed`, as `dpkg -s` reports it. */
function installed(status: string): string[] {
  const found: string[] = [];
  for (const stanza of status.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    if (name && CLIENT_PACKAGES.includes(name) && /^Status:\s*\S+\s+ok\s+installed\s*$/m.test(stanza)) found.push(name);
  }
  return found;
}

async function initrdFacts(file: string): Promise<ReadinessFacts['initrd']> {
  try {
    const versions = new Set<string>();
    const modules = new Set<string>();
    for (const name of await listInitramfs(file)) {
      const match = /^(?:usr\/)?lib\/modules\/([^/]+)(?:\/(?:.*\/)?([^/]+)\.ko(?:\.\w+)?)?$/.exec(name);
      if (!match) continue;
      versions.add(match[1]!);
      if (match[2] && INITRD_MODULES.includes(match[2])) modules.add(match[2]);
    }
    return { versions: [...versions], modules: [...modules] };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** `staged` is the kernel pair the build found (its copies outside the tree), or null when none or with kernel: false. */
export async function readinessFacts(root: string, staged: { vmlinuz: string; initrd: string; vmlinuzPath: string; initrdPath: string } | null): Promise<ReadinessFacts> {
  const version = staged ? kernelVersion(staged.vmlinuzPath) : null;
  const status = await readInRoot(root, 'var/lib/dpkg/status');
  const config = version ? await readInRoot(root, `boot/config-${version}`) : null;
  return {
    kernel: staged ? { vmlinuz: staged.vmlinuz, initrd: staged.initrd, version } : null,
    modules: await moduleVersions(root),
    initrd: staged ? await initrdFacts(staged.initrdPath) : null,
    config: config === null ? null : parseConfig(config),
    packages: status === null ? null : installed(status),
  };
}
