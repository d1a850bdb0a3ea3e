// Hard links and extended attributes of two unpacked images, compared: what mksquashfs keeps besides paths, modes and bytes.
import { execa } from 'execa';

/** Per path: link count (regular files only; a directory's depends on its subdirs) and every xattr, value in hex. */
const DUMP = `
import json, os, sys
top = sys.argv[1]
out = {}
for dirpath, dirnames, filenames in os.walk(top):
    for name in dirnames + filenames:
        full = os.path.join(dirpath, name)
        rel = os.path.relpath(full, top)
        st = os.lstat(full)
        attrs = {}
        if not os.path.islink(full):
            for attr in os.listxattr(full, follow_symlinks=False):
                attrs[attr] = os.getxattr(full, attr, follow_symlinks=False).hex()
        out[rel] = {"links": st.st_nlink if os.path.isfile(full) and not os.path.islink(full) else None, "xattrs": attrs}
json.dump(out, sys.stdout)
`;

interface Facts {
  links: number | null;
  xattrs: Record<string, string>;
}

async function dump(dir: string): Promise<Map<string, Facts>> {
  const { stdout } = await execa('python3', ['-c', DUMP, dir], { maxBuffer: 1 << 28 });
  return new Map(Object.entries(JSON.parse(stdout) as Record<string, Facts>));
}

/** Every path both unpacked trees have whose link count or extended attributes differ. */
export async function linkAndXattrDifferences(referenceDir: string, oursDir: string): Promise<string[]> {
  const [ref, our] = await Promise.all([dump(referenceDir), dump(oursDir)]);
  const differences: string[] = [];
  for (const [rel, a] of [...ref].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const b = our.get(rel);
    if (!b) continue;
    if (a.links !== b.links) differences.push(`${rel}: ${b.links} links in ours, ${a.links} in the reference`);
    const x = JSON.stringify(Object.entries(a.xattrs).sort());
    const y = JSON.stringify(Object.entries(b.xattrs).sort());
    if (x !== y) differences.push(`${rel}: xattrs ${y} in ours, ${x} in the reference`);
  }
  return differences;
}

/** Paths with more than one link or with xattrs, for a case to prove it has some. */
export async function linkedAndAttributed(dir: string): Promise<{ linked: string[]; attributed: string[] }> {
  const facts = await dump(dir);
  return {
    linked: [...facts].filter(([, f]) => (f.links ?? 1) > 1).map(([p]) => p).sort(),
    attributed: [...facts].filter(([, f]) => Object.keys(f.xattrs).length > 0).map(([p]) => p).sort(),
  };
}
