// Hard links and extended attributes of two unpacked images, compared: what mksquashfs keeps besides paths, modes and bytes.
import fs from 'node:fs';
import { readXattrsSync } from '../../src/fingerprint/xattrs.js';

interface Facts {
  links: number | null;
  /** Every xattr, value in hex. */
  xattrs: Record<string, string>;
}

/** A path of the tree as bytes: names are kept as latin1 strings, so any byte survives. */
const bytes = (dir: string, rel: string): Buffer => Buffer.concat([Buffer.from(dir), Buffer.from(rel === '' ? '' : `/${rel}`, 'latin1')]);

/** Every path under `dir` (relative, latin1), not following symlinks. */
function walk(dir: string, rel = ''): string[] {
  return fs.readdirSync(bytes(dir, rel), { withFileTypes: true, encoding: 'latin1' }).flatMap((d) => {
    const child = rel === '' ? d.name : `${rel}/${d.name}`;
    return d.isDirectory() ? [child, ...walk(dir, child)] : [child];
  });
}

/** Per path: link count (regular files only; a directory's depends on its subdirs) and every xattr, read by the module's own reader. */
async function dump(dir: string): Promise<Map<string, Facts>> {
  const rels = walk(dir);
  const answers = readXattrsSync(rels.map((rel) => bytes(dir, rel)));
  if (!answers) throw new Error('python3 could not read the extended attributes');
  return new Map(
    rels.map((rel, i) => {
      const answer = answers[i]!;
      if ('error' in answer) throw new Error(`cannot read the xattrs of ${rel}: ${answer.error}`);
      const stat = fs.lstatSync(bytes(dir, rel));
      const xattrs = Object.fromEntries(answer.map((x) => [x.name, x.value.toString('hex')]));
      return [rel, { links: stat.isFile() ? stat.nlink : null, xattrs }];
    }),
  );
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
