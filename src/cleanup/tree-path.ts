// Tree paths are bytes (a name need not be UTF-8): cleanup names its own paths as text, listings give Buffers, messages escape the rest.
import { printablePath } from '../fingerprint/entry.js';

/** A path relative to the tree root: text for the paths cleanup knows by name, bytes for names read from the tree. */
export type TreeRel = string | Buffer;

const SLASH = Buffer.from('/');

export function relBytes(rel: TreeRel): Buffer {
  return typeof rel === 'string' ? Buffer.from(rel, 'utf8') : rel;
}

/** A path for messages and details: UTF-8 as is, other bytes and control characters as \xNN, as the drift report writes them. */
export function showRel(rel: TreeRel): string {
  return printablePath(relBytes(rel).toString('latin1'));
}

/** Every component between slashes, empty ones included. */
export function splitBytes(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i === bytes.length || bytes[i] === SLASH[0]) {
      parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

export function joinBytes(parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [SLASH, part])));
}

export const isDot = (part: Buffer): boolean => part.length === 1 && part[0] === 0x2e;
export const isDotDot = (part: Buffer): boolean => part.length === 2 && part[0] === 0x2e && part[1] === 0x2e;

/** The components of a path inside the tree, without '' and '.'; '..' is refused, as tree paths only go down. */
export function segments(rel: TreeRel): Buffer[] {
  const parts = splitBytes(relBytes(rel)).filter((part) => part.length > 0 && !isDot(part));
  if (parts.length === 0 || parts.some(isDotDot)) throw new Error(`invalid path inside the tree: ${showRel(rel)}`);
  return parts;
}

/** The root as bytes without trailing slashes ('' for '/'), so that joining a component always gives one slash. */
export function rootBytes(root: string): Buffer {
  return Buffer.from(root.replace(/\/+$/, ''), 'utf8');
}

/** The absolute path of `rel` under `root`, as bytes for fs calls. */
export function treePath(root: string, rel: TreeRel): Buffer {
  return joinBytes([rootBytes(root), ...segments(rel)]);
}
