// mksquashfs stores one inode for the names that share one, with their count as its link count: the image's bytes depend on which names share an inode, which no name's own stat line shows.
import type { Entry } from './entry.js';

/**
 * Names each entry's link group by the first path of its inode in walk order: a later name of the same inode
 * gets that path in its line, the first gets nothing. So the lines fix the groups (a name marked with another's
 * path shares its inode, an unmarked one leads its own), and a tree without hard links keeps its fingerprint.
 * Only entries with more than one link are looked up; directories cannot be hard-linked.
 */
export class LinkGroups {
  private readonly first = new Map<number, Map<number, string>>();
  /** Entries marked with another's path. */
  marked = 0;

  /** The path of the first name of e's inode, when that is another entry's; call once per entry, in walk order. */
  leaderOf(e: Entry): string | undefined {
    if (e.nlink < 2 || e.type === 'd') return undefined;
    let inodes = this.first.get(e.dev);
    if (!inodes) this.first.set(e.dev, (inodes = new Map()));
    const leader = inodes.get(e.ino);
    if (leader === undefined) {
      inodes.set(e.ino, e.path);
      return undefined;
    }
    this.marked++;
    return leader;
  }
}
