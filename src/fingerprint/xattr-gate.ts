// Reading every entry's xattrs costs a walk as much again, so only entries whose ctime (moved by the kernel on every xattr change) may have moved since the last walk are read; the rest reuse the last walk's record.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Entry } from './entry.js';
import { writeFileAtomic } from '../store/temp-file.js';

// 3: digests mark overlay-private attributes (xattrs.ts), which records of 2 did not.
const HEADER = 'ltsp-image-xattrs 3';
/** A recorded entry that had no xattrs. */
const NONE = '-';

/** How far back before the last walk a ctime is still read: a clock stepped back by less than this cannot hide a change. */
export const CLOCK_MARGIN_MS = 3600_000;

/** An entry changed this recently may change again within the same ctime tick after it was read (git's racy entries): it is not recorded. */
const UNSETTLED_MS = 2000;

/**
 * Entries without xattrs recorded from the margin's window at most: a tree made within the hour before a walk has
 * all its entries there, and past this many the next walk reads them again rather than hold them all in memory.
 */
const WINDOW_LIMIT = 100_000;

export interface XattrOptions {
  /** The per-image record of the last walk (BASE/images/.NAME.xattrs); null reads every entry (disk sources). */
  record: string | null;
  /** Whether this run may write the record (never in check mode or from ltsp_image_info). */
  write: boolean;
  /** Where the new record goes, when not over `record` itself: a module run stages it and keeps it only on success. */
  writeTo?: string;
  /** Tests shrink CLOCK_MARGIN_MS to see the gate work on a tree made a moment ago. */
  marginMs?: number;
}

/** Per device, per inode: the ctime an entry had and its digest (NONE for none). */
type Inodes = Map<number, Map<number, { ctime: string; digest: string }>>;

/** What the last walk found: when it started, and each entry that had xattrs or a ctime within the margin then. */
export interface XattrRecord {
  key: string;
  walked: number;
  /** By inode, not path: the files of a renamed directory keep their ctimes and their xattrs. */
  entries: Inodes;
}

const ctimeOf = (e: Entry): string => `${e.ctimeSec}.${String(e.ctimeNsec).padStart(9, '0')}`;
const msOf = (e: Entry): number => e.ctimeSec * 1000 + e.ctimeNsec / 1e6;

/** The sources' roots and devices: an inode number means nothing on another filesystem. */
export function recordKey(roots: readonly string[]): string {
  const devs = roots.map((root) => String(fs.statSync(root, { bigint: true }).dev));
  return crypto.createHash('sha256').update(JSON.stringify({ header: HEADER, roots, devs })).digest('hex');
}

function put(entries: Inodes, dev: number, ino: number, ctime: string, digest: string): void {
  let inodes = entries.get(dev);
  if (!inodes) entries.set(dev, (inodes = new Map()));
  inodes.set(ino, { ctime, digest });
}

export function readRecord(file: string, key: string): XattrRecord | null {
  let text: string;
  try {
    // O_NOFOLLOW and a regular file only, as for every file of ours at a fixed name; larger than a state file can be.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      text = fs.readFileSync(fd, 'latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  const [header, recordedKey, walked, ...lines] = text.split('\n');
  if (header !== HEADER || recordedKey !== key || !Number.isFinite(Number(walked))) return null;
  const entries: Inodes = new Map();
  for (const line of lines) {
    const [dev, ino, ctime, digest] = line.split(' ');
    if (dev && ino && ctime && digest) put(entries, Number(dev), Number(ino), ctime, digest);
  }
  return { key, walked: Number(walked), entries };
}

/**
 * Decides per entry whether its xattrs must be read, and collects this walk's record. A recorded entry is read
 * when its ctime moved (any clock moves it somewhere else), else it keeps its recorded digest. Any other entry is
 * read when its ctime is at or after the last walk's start less the margin, else it has none. So a steady tree
 * reads nothing, and only a change made with the clock stepped back by more than the margin, and set right
 * before the next walk, goes unseen. No record, or a clock now behind the last walk's start, reads everything.
 */
export class XattrGate {
  private readonly old: XattrRecord | null;
  private readonly since: number;
  private readonly windowFrom: number;
  private readonly settledBefore: number;
  private readonly made: XattrRecord;
  private window = 0;
  /** An entry was read that a record written now would let the next walk skip. */
  private stale = false;

  constructor(old: XattrRecord | null, key: string, now: number, marginMs = CLOCK_MARGIN_MS) {
    this.old = old && now >= old.walked ? old : null;
    this.since = this.old ? this.old.walked - marginMs : -Infinity;
    this.windowFrom = now - marginMs;
    this.settledBefore = now - UNSETTLED_MS;
    this.made = { key, walked: now, entries: new Map() };
  }

  /** 'read', or the recorded digest (undefined: no xattrs) of an entry the gate lets through. */
  known(e: Entry): 'read' | string | undefined {
    if (!this.old) return 'read';
    const recorded = this.old.entries.get(e.dev)?.get(e.ino);
    if (recorded) {
      if (recorded.ctime !== ctimeOf(e)) return 'read';
      return recorded.digest === NONE ? undefined : recorded.digest;
    }
    const ms = msOf(e);
    if (ms < this.since) return undefined;
    if (ms < this.windowFrom) this.stale = true;
    return 'read';
  }

  /** Notes an entry's digest (read or reused) for the new record: kept when it has xattrs or a ctime within the margin, and has settled. */
  note(e: Entry, digest: string | undefined): void {
    if (msOf(e) >= this.settledBefore) return;
    if (digest === undefined && (msOf(e) < this.windowFrom || ++this.window > WINDOW_LIMIT)) return;
    put(this.made.entries, e.dev, e.ino, ctimeOf(e), digest ?? NONE);
  }

  /**
   * Writes the new record unless it holds the same entries as the old one and moving the start on would spare no
   * read: a walk that found what the last one did leaves the file alone.
   */
  commit(file: string): void {
    const { old, made } = this;
    if (old && !this.stale && sameEntries(old.entries, made.entries)) return;
    const lines: string[] = [];
    for (const [dev, inodes] of made.entries) for (const [ino, r] of inodes) lines.push(`${dev} ${ino} ${r.ctime} ${r.digest}\n`);
    writeFileAtomic(file, `${HEADER}\n${made.key}\n${made.walked}\n${lines.join('')}`, 0o600);
  }
}

function sameEntries(a: Inodes, b: Inodes): boolean {
  const count = (m: Inodes): number => [...m.values()].reduce((n, inodes) => n + inodes.size, 0);
  if (count(a) !== count(b)) return false;
  for (const [dev, inodes] of b) {
    for (const [ino, r] of inodes) {
      const o = a.get(dev)?.get(ino);
      if (!o || o.ctime !== r.ctime || o.digest !== r.digest) return false;
    }
  }
  return true;
}
