// Takes the locks a module run needs: one per image (runs on the same image, builds and reverts, queue up) and each directory source's dpkg lock.
import path from 'node:path';
import { entryProblem, inspect } from '../cleanup/tree-fs.js';
import type { ModuleContext } from '../runtime/module.js';
import { hostTree, type ResolvedSource } from '../source/kinds.js';
import { acquireLock, type HeldLock } from '../store/lock.js';
import type { ImagePaths } from '../layout/paths.js';
import { moveAsideUnlessRegular } from '../fs/temp-file.js';

export async function lockImage(paths: ImagePaths, timeout: number, context: ModuleContext): Promise<HeldLock> {
  const moved = moveAsideUnlessRegular(paths.lock);
  if (moved) context.warn(moved);
  const outcome = await acquireLock({
    file: paths.lock,
    create: true,
    timeoutSeconds: timeout,
    signal: context.signal,
    onWait: () => context.progress.note(`Another run is working on ${paths.image}, waiting for it to finish...`),
    timeoutMessage: `Another run is working on ${paths.image} and held its lock ${paths.lock} for ${timeout} s; try again later or raise lock_timeout`,
  });
  if ('missing' in outcome) throw new Error(`Cannot create the lock file ${paths.lock}: ${outcome.missing}`);
  return outcome.held;
}

/** The reference tool's package manager lock: never squash a chroot while apt is half-way through changing it. */
export async function lockPackageManagers(sources: ResolvedSource[], timeout: number, context: ModuleContext): Promise<HeldLock[]> {
  const held: HeldLock[] = [];
  try {
    for (const source of sources) {
      const tree = hostTree(source);
      if (tree === null) continue;
      const file = path.join(tree, 'var/lib/dpkg/lock');
      // Opening a device node or a host file that a symlink in the source points at could have effects of its own.
      const entry = await inspect(tree, 'var/lib/dpkg/lock');
      // No lock file, no dpkg run to wait for: saves the helper's start on every run over such a tree.
      if (entry.kind === 'missing') {
        context.warn(`No package manager lock taken for ${source.path} (${file}: No such file or directory); building without it`);
        continue;
      }
      if (entry.kind !== 'regular') {
        context.warn(`No package manager lock taken for ${source.path} (${file}: ${entryProblem(entry, 'it')}; only a regular file inside the source is opened); building without it`);
        continue;
      }
      const outcome = await acquireLock({
        file,
        create: false,
        timeoutSeconds: timeout,
        signal: context.signal,
        onWait: () => context.progress.note(`A package management process is running in ${source.path}, waiting for it to finish...`),
        timeoutMessage: `A package management process is running in ${source.path} and held ${file} for ${timeout} s; let it finish or raise lock_timeout`,
      });
      if ('held' in outcome) held.push(outcome.held);
      else context.warn(`No package manager lock taken for ${source.path} (${file}: ${outcome.missing}); building without it`);
    }
    return held;
  } catch (error) {
    await Promise.all(held.map((lock) => lock.release()));
    throw error;
  }
}
