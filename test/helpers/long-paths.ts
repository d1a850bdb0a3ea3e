// Seeds entries whose image paths are exactly N bytes long (near and past PATH_MAX), which only descriptor-relative calls can make.
import { execa } from 'execa';

/** Where the entries go in a tree: a directory neither the exclude list nor cleanup touches. */
export const LONG_PATHS_DIR = 'usr/local/share/long';

/**
 * Makes TREE/DIR/L<n>/ddd.../fff for each n, with `fff` a file whose image path (DIR/...) is n bytes long.
 * A fixed program; the tree and the lengths arrive as arguments. Prints each file's image path.
 */
const PROGRAM = `
import os, sys
tree, top = sys.argv[1].encode(), sys.argv[2].encode()
for n in map(int, sys.argv[3:]):
    names = top.split(b'/') + [b'L%d' % n]
    left = n - len(b'/'.join(names)) - 1
    while left > 255:
        names.append(b'd' * 200)
        left -= 201
    names.append(b'f' * left)
    fd = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    for name in names[:-1]:
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
        except FileExistsError:
            pass
        step = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        os.close(fd)
        fd = step
    f = os.open(names[-1], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644, dir_fd=fd)
    os.write(f, b'%d\\n' % n)
    os.close(f)
    os.close(fd)
    path = b'/'.join(names)
    assert len(path) == n, (len(path), n)
    sys.stdout.buffer.write(path + b'\\n')
`;

/** The image paths made, in the order of `lengths` (each is exactly that many bytes). */
export async function seedLongPaths(tree: string, lengths: number[]): Promise<string[]> {
  const { stdout } = await execa('python3', ['-c', PROGRAM, tree, LONG_PATHS_DIR, ...lengths.map(String)]);
  return stdout.split('\n');
}

