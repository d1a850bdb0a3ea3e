// Section headers are shell case patterns ([pc*], [a1:b2:*], [pc01|pc02]); after the header cleanup only *, ? and | remain special.
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()[\]\\/-]/g, (c) => `\\${c}`).replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** Whether `name` matches the case pattern `pattern` (any of its |-separated alternatives; * and ? match / too, as in case). */
export function matchesSection(pattern: string, name: string): boolean {
  return pattern.split('|').some((alternative) => globToRegExp(alternative).test(name));
}
