// Kernel globs must expand like the shell's inside the image, but every directory is reached through resolveInRoot.
import { readdir } from 'node:fs/promises';
import { escapeLiteral, translateBracket } from './bracket.js';
import { resolveInRoot } from './resolve-in-root.js';
import { errorCode } from '../core/errors.js';

/** A pattern component: plain text to append, or a regex to test directory entries against. */
export type GlobComponent = { literal: string } | { regex: RegExp; matchesDotFiles: boolean };

/** Compiles one path component ("vmlinuz-*", "[0-9]*", "loader"), with "*", "?", "[...]" and "\" escapes. */
export function compileGlobComponent(component: string): GlobComponent {
  const chars = Array.from(component);
  let source = '';
  let literal = '';
  let magic = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*' || c === '?') {
      source += c === '*' ? '.*' : '.';
      magic = true;
      continue;
    }
    if (c === '[') {
      const bracket = translateBracket(chars, i, { negators: '!^', backslash: 'escapes' });
      if (bracket !== null) {
        source += bracket.source;
        magic = true;
        i = bracket.end - 1;
        continue;
      }
    }
    const text = c === '\\' && i + 1 < chars.length ? chars[++i]! : c;
    source += escapeLiteral(text);
    literal += text;
  }
  if (!magic) return { literal };
  // The shell never lets a wildcard match the leading dot of a hidden file.
  return { regex: new RegExp(`^${source}$`, 'su'), matchesDotFiles: source.startsWith('\\.') };
}

async function listDirectory(root: string, rel: string): Promise<string[]> {
  const dir = await resolveInRoot(root, rel);
  if (dir === null) return [];
  try {
    return await readdir(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOTDIR' || code === 'ENOENT') return [];
    throw error;
  }
}

function join(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/**
 * Expands a relative glob inside `base` (a path relative to `root`, "" for the root itself).
 * Returns the matches relative to `base`, spelled as matched (symlinks not replaced), that exist
 * inside the root once resolved; the order is unspecified.
 */
export async function globInRoot(root: string, base: string, pattern: string): Promise<string[]> {
  if (pattern.startsWith('/')) throw new Error(`glob ${JSON.stringify(pattern)} must be relative to the image root`);
  const parts = pattern.split('/').filter((part) => part !== '');
  let candidates = [''];
  for (const part of parts) {
    const component = compileGlobComponent(part);
    if ('literal' in component) {
      candidates = candidates.map((candidate) => join(candidate, component.literal));
      continue;
    }
    const next: string[] = [];
    for (const candidate of candidates) {
      for (const name of await listDirectory(root, join(base, candidate))) {
        if (name.startsWith('.') && !component.matchesDotFiles) continue;
        if (component.regex.test(name)) next.push(join(candidate, name));
      }
    }
    candidates = next;
  }
  if (parts.length === 0) return [];
  const existing: string[] = [];
  for (const candidate of candidates) {
    if ((await resolveInRoot(root, join(base, candidate))) !== null) existing.push(candidate);
  }
  return existing;
}
