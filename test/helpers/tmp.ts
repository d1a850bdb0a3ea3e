// Scratch directories for tests under the project's gitignored .scratch/, never /tmp or /srv, removed without crossing mounts.
import { execa } from 'execa';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The project checkout (the directory holding package.json), e.g. /work/main. */
export const PROJECT_ROOT = findProjectRoot();
/** Parent of every scratch directory: <project>/.scratch/tmp. */
export const SCRATCH_ROOT = path.join(PROJECT_ROOT, '.scratch', 'tmp');
/** Long-lived caches (debootstrap tarballs): <project>/.scratch/cache. */
export const CACHE_ROOT = path.join(PROJECT_ROOT, '.scratch', 'cache');

/** The environment variable that marks the processes of this test run (set in test/setup.ts). */
export const RUN_MARK = 'LTSP_IMAGE_TEST_RUN';

const made = new Set<string>();

/** A new empty directory SCRATCH_ROOT/<prefix>XXXXXX; removeAllScratch() removes whatever is left of them. */
export async function scratchDir(prefix = 'test-'): Promise<string> {
  await fs.mkdir(SCRATCH_ROOT, { recursive: true });
  const dir = await fs.mkdtemp(path.join(SCRATCH_ROOT, prefix.replace(/[/\s]/g, '_')));
  made.add(dir);
  return dir;
}

function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or below dir, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const real = await fs.realpath(dir).catch(() => path.resolve(dir));
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountinfo(line.split(' ')[4] ?? ''))
    .filter((point) => point === real || point.startsWith(real + '/'))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a scratch directory. Anything still mounted inside is unmounted first (recursive rm would
 * otherwise delete through a bind mount of /proc or the host root); if that fails it throws instead.
 */
export async function removeScratch(dir: string): Promise<void> {
  const resolved = path.resolve(dir);
  if (!resolved.startsWith(SCRATCH_ROOT + path.sep)) {
    throw new Error(`refusing to remove ${dir}: it is not under ${SCRATCH_ROOT}`);
  }
  for (const point of await mountsUnder(resolved)) {
    await execa('umount', ['--recursive', point], { reject: false });
  }
  const left = await mountsUnder(resolved);
  if (left.length > 0) throw new Error(`refusing to remove ${dir}: still mounted: ${left.join(', ')}`);
  // Files made immutable by a test would stop rm; chattr fails harmlessly on filesystems without attributes.
  // Paths past PATH_MAX stop Node's rm too, not rm(1), which walks by descriptor.
  await fs.rm(resolved, { recursive: true, force: true }).catch(async () => {
    await execa('chattr', ['-R', '-i', '-a', resolved], { reject: false });
    await execa('rm', ['-rf', '--one-file-system', '--', resolved]);
  });
  made.delete(resolved);
}

/** Removes every directory scratchDir() made in this process; for an after() hook. */
export async function removeAllScratch(): Promise<void> {
  for (const dir of [...made]) await removeScratch(dir);
}
