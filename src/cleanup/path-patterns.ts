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
