// Distributions keep their kernel and initrd in different places; this lists them in `ltsp kernel`'s order of preference.
import { compileSed } from './sed.js';

/** A kernel glob and the sed "s" command that turns a matched kernel path into its initrd path. */
export interface KernelPattern {
  glob: string;
  sed: string;
}

/** Directories of the image where each glob is expanded, relative to its root: the root itself and boot/. */
export const SEARCH_BASES: readonly string[] = Object.freeze(['', 'boot']);

/** The built-in table, tried after the user's kernel_initrd pattern. */
export const KERNEL_PATTERNS: readonly KernelPattern[] = Object.freeze([
  // openSUSE live and install media
  { glob: 'boot/*/loader/linux', sed: 's|linux|initrd|' },
  // Ubuntu live media, whose initrd name changed across releases
  { glob: 'casper/vmlinuz', sed: 's|vmlinuz|initrd|' },
  { glob: 'casper/vmlinuz', sed: 's|vmlinuz|initrd.lz|' },
  { glob: 'casper/vmlinuz', sed: 's|vmlinuz|initrd.gz|' },
  // Debian installer media
  { glob: 'install.amd/vmlinuz', sed: 's|vmlinuz|initrd.gz|' },
  { glob: 'isolinux/vmlinuz', sed: 's|vmlinuz|initrd.img|' },
  // Debian live media
  { glob: 'live/vmlinuz-*', sed: 's|vmlinuz|initrd.img|' },
  // Installed .deb systems: the /vmlinuz symlink names the default kernel, so it comes before the versioned files
  { glob: 'vmlinuz', sed: 's|vmlinuz|initrd.img|' },
  { glob: 'vmlinuz-*', sed: 's|vmlinuz|initrd.img|' },
  // CentOS, Fedora, Gentoo
  { glob: 'vmlinuz-*', sed: 's|vmlinuz-\\(.*\\)|initramfs-\\1.img|' },
  // Tiny Core
  { glob: 'vmlinuz', sed: 's|vmlinuz|core.gz|' },
].map((pattern) => Object.freeze(pattern)));

/**
 * Parses the kernel_initrd option, "GLOB SED" split on the first whitespace, and checks the sed
 * command now so that a typo fails before any image work; throws an Error naming kernel_initrd.
 */
export function parseKernelPattern(text: string): KernelPattern {
  const match = /^(\S+)\s+(.+)$/su.exec(text.trim());
  if (match === null) {
    throw new Error(
      `kernel_initrd: expected "GLOB SED", a kernel glob relative to the image root (or its boot/) and a sed ` +
        `command deriving the initrd from it, e.g. "vmlinuz-* s|vmlinuz|initrd.img|"; got ${JSON.stringify(text)}`,
    );
  }
  const [, glob, sed] = match as unknown as [string, string, string];
  if (glob.startsWith('/')) {
    throw new Error(`kernel_initrd: the glob ${JSON.stringify(glob)} must be relative to the image root, without a leading /`);
  }
  compileSed(sed);
  return { glob, sed: sed.trim() };
}
