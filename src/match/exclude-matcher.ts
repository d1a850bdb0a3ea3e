// Decides which entries mksquashfs -wildcards -ef drops, one directory level at a time, so a walker prunes excluded subtrees without re-reading paths.
import { parseExcludeLines } from './exclude-lines.js';
import { fnmatch } from './fnmatch.js';

/** Returned by ExcludeMatcher.child for an entry mksquashfs leaves out (with everything below it). */
export const EXCLUDED: unique symbol = Symbol('excluded');

// One level of mksquashfs's pattern tree: component pattern -> the level below, or null for a last component.
interface Level {
  literal: Map<string, Level | null>;
  wild: Array<{ pattern: string; next: Level | null }>;
}

/** Where a directory stands in the pattern tree: the levels whose components its entries are matched against. */
export interface MatchState {
  readonly levels: readonly Level[];
}

export interface ExcludeMatcher {
  /** The state of the source root. */
  readonly root: MatchState;
  /** EXCLUDED when the entry `name` (latin1 bytes) of a directory in state `dir` is excluded; else the state of its own entries. */
  child(dir: MatchState, name: string): MatchState | typeof EXCLUDED;
  /** True when no entry at or below a directory in this state can be excluded, so matching can stop there. */
  idle(state: MatchState): boolean;
  /** Whether an image-relative path ("a/b/c", latin1 bytes) is excluded, by itself or through an ancestor. */
  excludes(path: string): boolean;
}

const EMPTY: MatchState = Object.freeze({ levels: [] });

// Names without these characters can only match themselves.
const WILDCARD = /[*?[\\(]/;

function newLevel(): Level {
  return { literal: new Map(), wild: [] };
}

/**
 * Adds one pattern the way mksquashfs's add_path() merges them: an existing last component
 * already excludes everything below it, and a new last component replaces longer patterns.
 */
function addPattern(level: Level, parts: string[]): void {
  const [part, ...rest] = parts;
  if (part === undefined) return;
  const literal = !WILDCARD.test(part);
  const existing = literal ? level.literal.get(part) : level.wild.find((w) => w.pattern === part)?.next;
  if (existing === null) return;
  let next: Level | null = null;
  if (rest.length > 0) {
    next = existing ?? newLevel();
    addPattern(next, rest);
  }
  if (literal) level.literal.set(part, next);
  else {
    const entry = level.wild.find((w) => w.pattern === part);
    if (entry) entry.next = next;
    else level.wild.push({ pattern: part, next });
  }
}

class Matcher implements ExcludeMatcher {
  readonly root: MatchState;

  constructor(root: Level, private readonly sticky: readonly string[]) {
    this.root = { levels: [root] };
  }

  child(dir: MatchState, name: string): MatchState | typeof EXCLUDED {
    // mksquashfs tests sticky patterns with no "rest" to follow, so any match of their first component excludes.
    for (const pattern of this.sticky) if (fnmatch(pattern, name)) return EXCLUDED;
    let levels: Level[] | undefined;
    for (const level of dir.levels) {
      const next = level.literal.get(name);
      if (next === null) return EXCLUDED;
      if (next) (levels ??= []).push(next);
      for (const wild of level.wild) {
        if (!fnmatch(wild.pattern, name)) continue;
        if (wild.next === null) return EXCLUDED;
        (levels ??= []).push(wild.next);
      }
    }
    return levels ? { levels } : EMPTY;
  }

  idle(state: MatchState): boolean {
    return state.levels.length === 0 && this.sticky.length === 0;
  }

  excludes(path: string): boolean {
    let state = this.root;
    for (const name of path.split('/')) {
      if (name === '') continue;
      const next = this.child(state, name);
      if (next === EXCLUDED) return true;
      state = next;
    }
    return false;
  }
}

/**
 * Compiles the lines of a -wildcards exclude file (as written to it, UTF-8 text). A pattern
 * excludes an entry when its components match the entry's path components one for one
 * (fnmatch with FNM_PATHNAME|FNM_PERIOD|FNM_EXTMATCH, bytewise); an excluded directory takes
 * its subtree with it, and "dir/*" empties dir but keeps it.
 */
export function compileExcludes(lines: readonly string[]): ExcludeMatcher {
  const root = newLevel();
  const sticky: string[] = [];
  for (const { components, sticky: isSticky } of parseExcludeLines(lines)) {
    if (isSticky) {
      // An empty sticky pattern only matches an empty name, which no directory holds.
      if (components[0] !== undefined && !sticky.includes(components[0])) sticky.push(components[0]);
    } else addPattern(root, components);
  }
  return new Matcher(root, sticky);
}
