// Reading every entry's xattrs costs a walk as much again, so only entries whose ctime (moved by the kernel on every xattr change) is recent since the last walk are read; the rest reuse the last walk's record.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Entry } from './entry.js';
import { writeFileAtomic } from '../store/temp-file.js';

const HEADER = 'ltsp-image-xattrs 1';

/** How far back before the last walk a ctime is still read: a clock stepped back by less than this cannot hide a change. */
export const CLOCK_MARGIN_MS = 3600_000;

export interface XattrOptions {
  /** The per-image record of the last walk (BASE/images/.NAME.xattrs); null reads every entry (disk sources). */
  record: string | null;
  /** Whether this run may write the record (never in check mode or from ltsp_image_info). */
  write: boolean;
  /** Tests shrink CLOCK_MARGIN_MS to see the gate work on a tree made a moment ago. */
  marginMs?: number;
}

interface Recorded {
  ctime: string;
  digest: string;
}

/** What the last walk found: when it ran, the newest ctime it saw, and the digest of every entry that had xattrs, by device and inode. */
export interface XattrRecord {
  key: string;
  walked: number;
  newest: number;
  /** `${dev}:${ino}`: an inode keeps its xattrs when a parent directory is renamed, which moves no ctime. */
  entries: Map<string, Recorded>;
}

const ctimeOf = (e: Entry): string => `${e.ctimeSec}.${String(e.ctimeNsec).padStart(9, '0')}`;
const msOf = (e: Entry): number => e.ctimeSec * 1000 + e.ctimeNsec / 1e6;

/** The sources' roots and devices: an inode number means nothing on another filesystem. */
export function recordKey(roots: readonly string[]): string {
  const devs = roots.map((root) => String(fs.statSync(root, { bigint: true }).dev));
  return crypto.createHash('sha256').update(JSON.stringify({ header: HEADER, roots, devs })).digest('hex');
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
  const [header, recordedKey, times, ...lines] = text.split('\n');
  const [walked, newest] = (times ?? '').split(' ').map(Number);
  if (header !== HEADER || recordedKey !== key || !Number.isFinite(walked) || !Number.isFinite(newest)) return null;
  const entries = new Map<string, Recorded>();
  for (const line of lines) {
    const [id, ctime, digest] = line.split(' ');
    if (id && ctime && digest) entries.set(id, { ctime, digest });
  }
  return { key, walked: walked!, newest: newest!, entries };
}

/**
 * Decides per entry whether its xattrs must be read, and collects this walk's record. An entry is read when there
 * is no usable record, when its ctime is at or after the last walk's watermark less the margin, or when it had
 * xattrs then and its ctime moved since; otherwise it has the digest recorded for it, or none. The watermark is
 * the earlier of the last walk's start and the newest ctime it saw: a tree's ctimes come from the clock of the
 * machine that changed it (a VM's for a disk image), and a ctime far in the future must not hide later changes.
 * A clock now behind the last walk's start (stepped back) reads everything.
 */
export class XattrGate {
  private readonly old: XattrRecord | null;
  private readonly since: number;
  private readonly made: XattrRecord;
  read = 0;

  constructor(old: XattrRecord | null, key: string, now: number, marginMs = CLOCK_MARGIN_MS) {
    this.old = old && now >= old.walked ? old : null;
    this.since = this.old ? Math.min(this.old.walked, this.old.newest) - marginMs : -Infinity;
    this.made = { key, walked: now, newest: -Infinity, entries: new Map() };
  }

  /** 'read', or the recorded digest (undefined: no xattrs) of an entry the gate lets through. */
  known(e: Entry): 'read' | string | undefined {
    const ms = msOf(e);
    if (ms > this.made.newest) this.made.newest = ms;
    if (!this.old || ms >= this.since) return 'read';
    if (this.old.entries.size === 0) return undefined;
    const recorded = this.old.entries.get(`${e.dev}:${e.ino}`);
    if (!recorded) return undefined;
    return recorded.ctime === ctimeOf(e) ? recorded.digest : 'read';
  }

  /** Notes an entry's digest (read or reused) for the new record. */
  note(e: Entry, digest: string | undefined): void {
    if (digest !== undefined) this.made.entries.set(`${e.dev}:${e.ino}`, { ctime: ctimeOf(e), digest });
  }

  /** Writes the new record when it says something the old one does not; a walk that found the same leaves the file alone. */
  commit(file: string): void {
    const old = this.old;
    const made = this.made;
    if (!Number.isFinite(made.newest)) made.newest = made.walked;
    const same =
      old !== null &&
      old.newest === made.newest &&
      old.entries.size === made.entries.size &&
      [...made.entries].every(([id, r]) => old.entries.get(id)?.ctime === r.ctime && old.entries.get(id)?.digest === r.digest);
    if (same) return;
    const lines = [...made.entries].map(([id, r]) => `${id} ${r.ctime} ${r.digest}\n`).join('');
    writeFileAtomic(file, `${HEADER}\n${made.key}\n${made.walked} ${made.newest}\n${lines}`, 0o600);
  }
}
