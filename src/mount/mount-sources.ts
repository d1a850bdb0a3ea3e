// Assembles the image root inside the private namespace: every source read-only, each overlaid on one tmpfs so cleanup never touches it.
import fs from 'node:fs';
import { execa } from 'execa';
import { ModuleError } from '../core/errors.js';
import type { ResolvedSource } from '../source/resolve.js';
import { serveRaw } from '../source/vm-serve.js';
import { overlayMountArgv } from './mount-options.js';
import { hostTree, kindOf, type DirectorySource } from '../source/kinds.js';
import { mkdirInside } from './safe-path.js';
import type { WorkDirLayout } from '../layout/work-dir.js';

async function run(argv: string[]): Promise<void> {
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    const why = (result.stderr || result.stdout || result.message || '').trim().split('\n').pop();
    throw new ModuleError(`${argv.join(' ')} failed: ${why}`);
  }
}

/** A scan before the build may have left the (empty) mount points; reuse them. */
function mkdir(dir: string, mode = 0o755): string {
  fs.mkdirSync(dir, { mode, recursive: true });
  return dir;
}

/**
 * The image root and each stacked mount point are the overlay's upper dir: 0755 root:root as the reference's are
 * (a source root made by mktemp -d is 0700, which would lock users out of / on the clients), with the source's
 * mtime so that two builds of the same source stay byte-identical.
 */
function setRootAttributes(from: string, to: string): void {
  const stat = fs.statSync(from);
  fs.chownSync(to, 0, 0);
  fs.chmodSync(to, 0o755);
  fs.utimesSync(to, stat.atime, stat.mtime);
}

/**
 * A VM disk is mounted from the raw view its daemon serves; the daemon dies with this namespace worker. The
 * partitions of one disk share its daemon: the export stands over the disk file, which a second daemon would read raw.
 */
async function mountSource(source: ResolvedSource, target: string, served: Map<string, string>): Promise<void> {
  const format = source.kind === 'directory' ? undefined : source.format;
  if (format && !served.has(source.path)) served.set(source.path, (await serveRaw(source.path, format, false)).path);
  await run(kindOf(source).mountArgv(source, served.get(source.path) ?? source.path, target));
}

export async function mountSources(layout: WorkDirLayout, sources: ResolvedSource[], overlay: boolean): Promise<string> {
  const root = mkdir(layout.root);
  const served = new Map<string, string>();
  if (overlay) {
    mkdir(layout.tmpfs);
    await run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', layout.tmpfs]);
  }
  for (const [index, source] of sources.entries()) {
    const target = index === 0 ? root : mkdirInside(root, source.subdir ?? '');
    if (!overlay) {
      await mountSource(source, target, served);
      continue;
    }
    // A tree on the host is the overlay's lower dir as it is; any other kind is mounted first.
    let lower = hostTree(source);
    if (lower === null) {
      lower = mkdir(layout.lower(index));
      await mountSource(source, lower, served);
    }
    const upper = mkdir(layout.upper(index));
    const work = mkdir(layout.work(index));
    setRootAttributes(lower, upper);
    await run(overlayMountArgv(lower, upper, work, target));
  }
  return root;
}

/** The source alone, read-only and without its submounts (as the overlay shows them: empty directories), for mksquashfs to read directly. */
export async function bindSourceReadOnly(source: DirectorySource, target: string): Promise<string> {
  await run(kindOf(source).mountArgv({ ...source, options: [] }, source.path, mkdir(target)));
  return target;
}
