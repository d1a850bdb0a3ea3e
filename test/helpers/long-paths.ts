// Seeds entries whose image paths are exactly N bytes long (near and past PATH_MAX), which only descriptor-relative calls can make.
import { execa } from 'execa';
import path from 'node:path';

/** Where the entries go in a tree: a directory neither the exclude list nor cleanup touches. */
export const LONG_PATHS_DIR = 'usr/local/share/long';

/** The image path, exactly n bytes long, of the file seedLongPaths makes for n: DIR/L<n>/ddd.../fff, 200-byte directories. */
export function longPath(n: number): string {
  const names = [LONG_PATHS_DIR, `L${n}`];
  let left = n - names.join('/').length - 1;
  while (left > 255) {
    names.push('d'.repeat(200));
    left -= 201;
  }
  return [...names, 'f'.repeat(left)].join('/');
}

/** Makes each relative path (a file holding its length and a newline) in a tree, one directory descriptor at a time. A fixed program; paths arrive as arguments. */
const PROGRAM = `
import os, sys
for rel in sys.argv[2:]:
    names = rel.encode().split(b'/')
    fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
    for name in names[:-1]:
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
        except FileExistsError:
            pass
        step = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        os.close(fd)
        fd = step
    f = os.open(names[-1], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644, dir_fd=fd)
    os.write(f, b'%d\\n' % len(rel))
    os.close(f)
    os.close(fd)
`;

/** The image paths made (see longPath), in the order of `lengths`. */
export async function seedLongPaths(tree: string, lengths: number[]): Promise<string[]> {
  const paths = lengths.map(longPath);
  await execa('python3', ['-c', PROGRAM, tree, ...paths]);
  return paths;
}

/** Removes what seedLongPaths made: rm(1) walks by descriptor, Node's rm by whole paths. */
export async function removeLongPaths(tree: string): Promise<void> {
  await execa('rm', ['-rf', '--one-file-system', '--', path.join(tree, LONG_PATHS_DIR)]);
}
