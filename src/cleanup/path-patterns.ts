// Tells whether a tree path is one a cleanup step names by pattern, for those who must know without running the step (the fingerprint).

// Walkers spell relative paths differently ("./etc/fstab", "/etc/fstab"); all mean the same tree entry.
function components(relPath: string): string[] {
  let rel = relPath;
  while (rel.startsWith('./')) rel = rel.slice(2);
  return rel.replace(/^\/+/, '').split('/');
}

/** A test for patterns such as 'var/log/*' and 'etc/fstab': '*' stands for exactly one component, never '', '.' or '..'. */
export function pathMatcher(patterns: readonly string[]): (relPath: string) => boolean {
  const compiled = patterns.map((pattern) => pattern.split('/'));
  return (relPath) => {
    const parts = components(relPath);
    return compiled.some(
      (pattern) =>
        pattern.length === parts.length &&
        pattern.every((p, i) => {
          const part = parts[i] as string;
          return p === '*' ? part !== '' && part !== '.' && part !== '..' : p === part;
        }),
    );
  };
}

/**
 * pathMatcher for a walker's (dir, name): most directories are ruled out by their first byte, with no path built.
 * "./x" and "/x" spellings always take the full test, and so does everything when a pattern starts with '*'.
 */
export function pathMatcherIn(patterns: readonly string[]): (dir: string, name: string) => boolean {
  const matches = pathMatcher(patterns);
  const firsts = new Set([...patterns.map((p) => p.charCodeAt(0)), 0x2e, 0x2f]);
  const anyFirst = patterns.some((p) => p.startsWith('*'));
  return (dir, name) => {
    if (!anyFirst && !firsts.has(dir === '' ? name.charCodeAt(0) : dir.charCodeAt(0))) return false;
    return matches(dir === '' ? name : `${dir}/${name}`);
  };
}
