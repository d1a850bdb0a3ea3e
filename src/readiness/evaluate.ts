// Judges the facts: what makes an LTSP client's boot impossible is a problem, what only makes it likely to fail a warning.
import type { ReadinessFacts } from './facts.js';

export interface ReadinessReport {
  /** What was looked at: kernel, initrd, modules, config, compressor, packages. */
  checked: string[];
  problems: string[];
  warnings: string[];
}

/** The squashfs superblock's compression id, and the kernel option that reads it (none reads lzma). */
export const COMPRESSORS: Record<number, { name: string; option: string | null }> = {
  1: { name: 'gzip', option: 'CONFIG_SQUASHFS_ZLIB' },
  2: { name: 'lzma', option: null },
  3: { name: 'lzo', option: 'CONFIG_SQUASHFS_LZO' },
  4: { name: 'xz', option: 'CONFIG_SQUASHFS_XZ' },
  5: { name: 'lz4', option: 'CONFIG_SQUASHFS_LZ4' },
  6: { name: 'zstd', option: 'CONFIG_SQUASHFS_ZSTD' },
};

type Report = ReadinessReport;

function checkKernelOption(report: Report, facts: ReadinessFacts, version: string, key: string, module: string, what: string): void {
  const value = facts.config?.[key];
  if (value === 'y') return;
  if (value !== 'm') {
    report.problems.push(`kernel ${version} has no ${key} (boot/config-${version}): it cannot ${what}; install a kernel with it`);
    return;
  }
  if (!facts.initrd || 'error' in facts.initrd || facts.initrd.modules.includes(module)) return;
  const line = `the initrd ${facts.kernel!.initrd} lacks ${module}.ko (${key}=m): the client cannot ${what} unless it loads it later; add ${module} to etc/initramfs-tools/modules and run update-initramfs -u in the source`;
  (module === 'squashfs' ? report.problems : report.warnings).push(line);
}

function checkCompressor(report: Report, facts: ReadinessFacts, version: string, compression: number | null): void {
  const compressor = compression === null ? undefined : COMPRESSORS[compression];
  if (!compressor) return;
  report.checked.push('compressor');
  if (compressor.option === null) {
    report.problems.push(`the image is compressed with ${compressor.name}, which no Linux kernel reads; choose -comp zstd, xz or gzip in mksquashfs_params`);
  } else if (facts.config?.[compressor.option] !== 'y') {
    report.problems.push(`kernel ${version} has no ${compressor.option} (boot/config-${version}): it cannot read an image made with -comp ${compressor.name}; choose another -comp in mksquashfs_params or a kernel with it`);
  }
}

function checkKernel(report: Report, facts: ReadinessFacts, compression: number | null): void {
  const kernel = facts.kernel!;
  const version = kernel.version;
  if (version === null) {
    report.warnings.push(`could not read the version of ${kernel.vmlinuz}: its initrd, modules and config are not checked`);
    return;
  }
  report.checked.push('initrd', 'modules');
  const initrd = facts.initrd;
  if (initrd && 'error' in initrd) report.warnings.push(`could not read the initrd ${kernel.initrd}: ${initrd.error}`);
  else if (initrd && initrd.versions.length === 0) report.warnings.push(`the initrd ${kernel.initrd} holds no lib/modules: cannot tell whether it belongs to kernel ${version}`);
  else if (initrd && !initrd.versions.includes(version)) {
    report.problems.push(`the initrd ${kernel.initrd} is for kernel ${initrd.versions.join(', ')}, not for ${kernel.vmlinuz} (${version}): it cannot load its modules; run update-initramfs -u -k ${version} in the source`);
  }
  if (!facts.modules.includes(version)) report.warnings.push(`lib/modules/${version} is missing in the image: the client has no modules for kernel ${version} after the initrd; reinstall linux-image-${version} in the source`);
  if (facts.config === null) {
    report.warnings.push(`boot/config-${version} is missing in the image: squashfs, its compressor, overlay and loop are not checked`);
    return;
  }
  report.checked.push('config');
  checkKernelOption(report, facts, version, 'CONFIG_SQUASHFS', 'squashfs', 'mount the squashfs image');
  if (facts.config.CONFIG_SQUASHFS) checkCompressor(report, facts, version, compression);
  checkKernelOption(report, facts, version, 'CONFIG_OVERLAY_FS', 'overlay', 'overlay the read-only image');
  checkKernelOption(report, facts, version, 'CONFIG_BLK_DEV_LOOP', 'loop', 'loop-mount the image file');
}

function checkPackages(report: Report, packages: string[] | null): void {
  if (packages === null) {
    report.warnings.push('no var/lib/dpkg/status in the image: the ltsp and sshfs packages are not checked');
    return;
  }
  report.checked.push('packages');
  if (!packages.includes('ltsp')) report.warnings.push("the ltsp package is not installed in the image: LTSP's client side (ltsp init, login, homes) is missing; apt-get install ltsp in the source");
  if (!packages.includes('sshfs')) report.warnings.push("sshfs is not installed in the image: LTSP's default network homes (SSHFS) will not mount; apt-get install sshfs in the source, or use NFS_HOME");
}

/**
 * Only a tree with an installed kernel (its lib/modules/VERSION) is judged as a client's: a layer, a container tree,
 * a server's `/` without a kernel or a test fixture gets `checked: []` and no word (the build's own "Could not locate
 * vmlinuz" warning stays). `kernel` is the build's option: with false the image's kernel is not the one clients boot, so only
 * the packages are checked.
 */
export function evaluateReadiness(facts: ReadinessFacts, kernel: boolean, compression: number | null): ReadinessReport {
  const report: Report = { checked: [], problems: [], warnings: [] };
  if (facts.modules.length === 0) return report;
  if (kernel) {
    report.checked.push('kernel');
    if (facts.kernel) checkKernel(report, facts, compression);
    else {
      report.problems.push(`no kernel and initrd found in the image, though it has lib/modules/${facts.modules.join(', ')}: clients cannot boot it; install linux-image-amd64 and initramfs-tools in the source (or set kernel: false when its kernel comes from elsewhere)`);
    }
  }
  checkPackages(report, facts.packages);
  return report;
}

