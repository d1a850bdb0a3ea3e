// Reading every entry's xattrs costs a walk as much again, so an entry the last walk saw with the same (device, inode, ctime) reuses what it found then: the kernel moves an entry's ctime on every xattr change.
import type { Entry } from './entry.js';
import { Column, seenAt, seenCount, sortedSeen, type Noted } from './xattr-columns.js';
import { writeRecord, type XattrRecord } from './xattr-record.js';

/** An entry changed this recently may change again within the same ctime tick after it was read (git's racy entries): it is not recorded. */
const UNSETTLED_MS = 2000;

export interface XattrOptions {
  /** The per-image record of the last walk (BASE/images/.NAME.xattrs); null reads every entry (disk sources). */
  record: string | null;
  /** Whether this run may write the record (never in check mode or from ltsp_image_info). */
  write: boolean;
  /** Where the new record goes, when not over `record` itself: a module run stages it and keeps it only on success. */
  writeTo?: string;
}

/**
 * Decides per entry whether its xattrs must be read, and collects this walk's record. The record vouches only for
 * what the last walk saw: an entry with the same device, inode and ctime as then keeps the digest it had (none,
 * or the recorded one); anything else is read, whatever its ctime says: a path excluded then and included now, a
 * directory moved in from elsewhere on the same filesystem (a rename keeps its children's ctimes), a snapshot
 * rolled back. Only a change that leaves the ctime exactly as it was goes unseen (the clock stepped back to that
 * very tick, or debugfs). No record reads everything.
 */
export class XattrGate {
  private readonly settled: (e: Entry) => boolean;
  /** Per device: the inodes, ctime seconds and nanoseconds noted, in walk order; null when nothing will be written. */
  private readonly made: Map<number, Noted> | null;
  private readonly digests = new Map<string, string>();
  /** Every entry noted was in the old record as it is now. */
  private unchanged: boolean;
  private noted = 0;

  /** `collect`: whether commit() may follow (never in check mode): only then is what the walk saw kept. */
  constructor(
    private readonly old: XattrRecord | null,
    private readonly key: string,
    private readonly now: number,
    collect = true,
  ) {
    this.made = collect ? new Map() : null;
    this.unchanged = old !== null;
    // A ctime past the window's end was stamped while the clock ran ahead: a change from now on moves it all the same.
    this.settled = (e) => {
      const ms = e.ctimeSec * 1000 + e.ctimeNsec / 1e6;
      return ms < now - UNSETTLED_MS || ms > now + UNSETTLED_MS;
    };
  }

  /** 'read', or the recorded digest (undefined: no xattrs) of an entry the last walk saw as it is. */
  known(e: Entry): 'read' | string | undefined {
    if (!this.old || seenAt(this.old.seen.get(e.dev), e) < 0) return 'read';
    return this.old.digests.get(`${e.dev} ${e.ino}`);
  }

  /** Notes an entry's digest (read or reused) for the new record, once it has settled. */
  note(e: Entry, digest: string | undefined): void {
    if (!this.made) return;
    if (!this.settled(e)) {
      this.unchanged = false;
      return;
    }
    let seen = this.made.get(e.dev);
    if (!seen) this.made.set(e.dev, (seen = { inos: new Column(), secs: new Column(), nsecs: new Column() }));
    seen.inos.push(e.ino);
    seen.secs.push(e.ctimeSec);
    seen.nsecs.push(e.ctimeNsec);
    this.noted++;
    if (digest !== undefined) this.digests.set(`${e.dev} ${e.ino}`, digest);
    if (this.unchanged && (seenAt(this.old!.seen.get(e.dev), e) < 0 || this.old!.digests.get(`${e.dev} ${e.ino}`) !== digest)) this.unchanged = false;
  }

  /** Writes the new record unless it holds exactly the old one's entries: a walk that found what the last one did leaves the file alone. */
  commit(file: string): void {
    const { old, made } = this;
    if (!made) throw new Error('this walk kept no record to write');
    if (old && this.unchanged && seenCount(old.seen) === this.noted && old.digests.size === this.digests.size) return;
    const seen = new Map([...made].map(([dev, noted]) => [dev, sortedSeen(noted)]));
    writeRecord(file, { key: this.key, seen, digests: this.digests }, this.now);
  }
}
