// The changes the oracle makes to its source tree, each as an admin or a package manager might make it; a step picks one at random.
import fs from 'node:fs';
import { execa } from 'execa';
import { FINE_GRAIN_MS } from '../../src/fingerprint/racy.js';
import { waitFor } from '../helpers/settle.js';
import { specialMutations } from './special-mutations.js';
import { PAST_SEC, setUserXattr, type World } from './world.js';

export interface Mutation {
  name: string;
  /** Relative weight of being picked. */
  weight: number;
  /**
   * The one change `compare: mtime` does not see by design (content rewritten with its size and mtime restored):
   * the oracle then expects mtime mode to say ok and checksum mode to catch it.
   */
  mtimeBlind?: boolean;
  /** false: it changes no source tree (settings, TFTP, moves between directories), so the disk is not written for it. */
  tree?: false;
  /** Applies the change; returns what it did, or null when the tree offers nothing to apply it to. */
  apply(w: World): Promise<string | null>;
}

const YEAR_SEC = 365 * 86400;
const nowSec = (): number => Math.floor(Date.now() / 1000);

function setUser(w: World, remove: boolean): Mutation['apply'] {
  return async () => {
    // A removal picks an entry that has one: the entries moved in or included with theirs are where a gate may look away.
    const rel = remove
      ? w.random.pick(await w.having('user.origin'))
      : w.random.pick(w.items().filter((i) => i.stats.isFile() || i.stats.isDirectory()))?.rel;
    if (!rel) return null;
    return (await setUserXattr(w.abs(rel), remove ? null : `v${w.random.int(100)}`)) ? rel : null;
  };
}

function setCap(w: World, remove: boolean): Mutation['apply'] {
  return async () => {
    const rel = remove ? w.random.pick((await w.having('security.capability')).filter((r) => fs.statSync(w.abs(r)).isFile())) : w.random.pick(w.files())?.rel;
    if (!rel) return null;
    await execa('setcap', [...(remove ? ['-r'] : [w.random.pick(['cap_net_raw+ep', 'cap_sys_admin+ep'])!]), w.abs(rel)], { reject: false });
    return rel;
  };
}

function setCtime(w: World, when: 'past' | 'future'): Mutation['apply'] {
  return async () => {
    const picked = Array.from({ length: 1 + w.random.int(3) }, () => w.random.pick(w.items())!).filter(Boolean);
    const sec = when === 'past' ? PAST_SEC - w.random.int(YEAR_SEC) : nowSec() + 3600 + w.random.int(YEAR_SEC);
    await w.setCtimes(picked.map((i) => ({ rel: i.rel, sec, nsec: 1 + w.random.int(999_999_998) })));
    return picked.map((i) => i.rel).join(' ');
  };
}

/** Renames an entry (a whole directory with what it holds) within the target tree, or between it and the pool beside it (on the same filesystem: not the disk's). */
function moving(w: World, way: 'within' | 'out' | 'in', stem: string): Mutation['apply'] {
  return async () => {
    if (way !== 'within' && w.target === 'disk') return null;
    const [from, to] = way === 'in' ? (['pool', w.target] as const) : way === 'out' ? ([w.target, 'pool'] as const) : ([w.target, w.target] as const);
    const item = w.random.pick(w.movable(from));
    if (!item) return null;
    const target = w.freshName(to, stem);
    if (target.startsWith(`${item.rel}/`)) return null;
    fs.renameSync(w.abs(item.rel), w.abs(target));
    return `${item.rel} -> ${target}`;
  };
}

export function mutations(w: World): Mutation[] {
  const r = w.random;
  const file = (): string | null => r.pick(w.files())?.rel ?? null;
  return [
    {
      name: 'content and size',
      weight: 4,
      apply: async () => {
        const rel = r.next() < 0.3 ? w.freshName(w.target, 'new') : file();
        if (!rel) return null;
        fs.writeFileSync(w.abs(rel), r.bytes(r.int(80)));
        return rel;
      },
    },
    {
      name: 'content, same size',
      weight: 2,
      apply: async () => {
        const rel = file();
        if (!rel) return null;
        fs.writeFileSync(w.abs(rel), r.bytes(fs.statSync(w.abs(rel)).size));
        return rel;
      },
    },
    {
      name: 'content rewritten with size and mtime restored',
      weight: 1,
      mtimeBlind: true,
      apply: async () => {
        const rel = r.pick(w.files().filter((i) => i.stats.size > 0))?.rel;
        if (!rel) return null;
        const { atime, mtime, size } = fs.statSync(w.abs(rel));
        const old = fs.readFileSync(w.abs(rel));
        let bytes = r.bytes(size);
        while (bytes.equals(old)) bytes = r.bytes(size);
        fs.writeFileSync(w.abs(rel), bytes);
        fs.utimesSync(w.abs(rel), atime, mtime);
        return rel;
      },
    },
    {
      name: 'mode',
      weight: 2,
      apply: async () => {
        const item = r.pick(w.items().filter((i) => !i.stats.isSymbolicLink()));
        if (!item) return null;
        const mode = item.stats.isDirectory() ? r.pick([0o755, 0o750, 0o1777])! : r.pick([0o644, 0o755, 0o600, 0o4755])!;
        fs.chmodSync(w.abs(item.rel), mode);
        return `${item.rel} ${mode.toString(8)}`;
      },
    },
    {
      name: 'owner',
      weight: 2,
      apply: async () => {
        const item = r.pick(w.items());
        if (!item) return null;
        const [uid, gid] = [r.pick([0, 1, 1000])!, r.pick([0, 2, 1000])!];
        fs.lchownSync(w.abs(item.rel), uid, gid);
        return `${item.rel} ${uid}:${gid}`;
      },
    },
    {
      name: 'mtime (past, now or future)',
      weight: 2,
      apply: async () => {
        const item = r.pick(w.items());
        if (!item) return null;
        const sec = r.pick([PAST_SEC, nowSec(), nowSec() + 3600 + r.int(YEAR_SEC)])! + r.next();
        await execa('touch', ['-h', '-d', `@${sec.toFixed(9)}`, w.abs(item.rel)]);
        // "Now" can be up to a second ahead: until the clock is past it and the racy window, the scan would take the file
        // for one being written (a documented extra rebuild), which is not what this step is about.
        if (sec < nowSec() + 2) await waitFor(() => Date.now() > sec * 1000 + FINE_GRAIN_MS, 'the clock to pass the mtime just set', 5000);
        return `${item.rel} @${sec.toFixed(3)}`;
      },
    },
    { name: 'ctime in the past', weight: 2, apply: setCtime(w, 'past') },
    { name: 'ctime in the future', weight: 2, apply: setCtime(w, 'future') },
    {
      name: 'ctime now (chmod to the same mode)',
      weight: 1,
      apply: async () => {
        const item = r.pick(w.items().filter((i) => !i.stats.isSymbolicLink()));
        if (!item) return null;
        fs.chmodSync(w.abs(item.rel), item.stats.mode & 0o7777);
        return item.rel;
      },
    },
    { name: 'user xattr added', weight: 2, apply: setUser(w, false) },
    { name: 'user xattr removed', weight: 3, apply: setUser(w, true) },
    { name: 'capability added', weight: 2, apply: setCap(w, false) },
    { name: 'capability removed', weight: 3, apply: setCap(w, true) },
    {
      name: 'copy with its mode, owner and times (cp -p)',
      weight: 2,
      apply: async () => {
        const from = file();
        if (!from) return null;
        const to = w.freshName(w.target, 'copy');
        await execa('cp', ['-p', w.abs(from), w.abs(to)]);
        return `${from} -> ${to}`;
      },
    },
    {
      name: 'hard link made or re-pointed',
      weight: 3,
      apply: async () => {
        const from = file();
        if (!from) return null;
        // A name whose stat line already reads the same (a cp -p copy) is where only the link group tells.
        const same = (i: { stats: fs.Stats }): boolean => {
          const f = fs.statSync(w.abs(from));
          return i.stats.ino !== f.ino && i.stats.size === f.size && i.stats.mtimeMs === f.mtimeMs && i.stats.mode === f.mode;
        };
        const twin = r.pick(w.files().filter(same))?.rel;
        const to = twin ?? (r.next() < 0.5 ? (r.pick(w.files().filter((i) => i.rel !== from))?.rel ?? w.freshName(w.target, 'link')) : w.freshName(w.target, 'link'));
        await execa('ln', ['-f', w.abs(from), w.abs(to)]);
        return `${to} -> ${from}`;
      },
    },
    { name: 'rename', weight: 2, apply: moving(w, 'within', 'renamed') },
    { name: 'move out of the source', weight: 1, apply: moving(w, 'out', 'out') },
    { name: 'move into the source', weight: 3, apply: moving(w, 'in', 'in') },
    {
      name: 'symlink made or retargeted',
      weight: 2,
      apply: async () => {
        const link = r.pick(w.items().filter((i) => i.stats.isSymbolicLink()))?.rel ?? w.freshName(w.target, 'sym');
        const target = r.pick(['f0', '../etc/hosts', '/etc/passwd', 'missing', `t${r.int(100)}`])!;
        await execa('ln', ['-sfn', target, w.abs(link)]);
        return `${link} -> ${target}`;
      },
    },
    {
      name: 'removed',
      weight: 2,
      apply: async () => {
        const item = r.pick(w.movable());
        if (!item) return null;
        fs.rmSync(w.abs(item.rel), { recursive: true });
        return item.rel;
      },
    },
    {
      name: 'directory made',
      weight: 1,
      apply: async () => {
        const rel = w.freshName(w.target, 'dir');
        fs.mkdirSync(w.abs(rel));
        return rel;
      },
    },
    ...specialMutations(w),
  ];
}

/** One mutation by weight that found something to change. */
export async function mutateOnce(w: World, all: readonly Mutation[]): Promise<{ mutation: Mutation; what: string }> {
  const total = all.reduce((n, m) => n + m.weight, 0);
  for (;;) {
    let at = w.random.next() * total;
    const mutation = all.find((m) => (at -= m.weight) < 0) ?? all[all.length - 1]!;
    w.target = w.random.pick(w.sourceTops)!;
    const what = mutation.tree === false ? await mutation.apply(w) : await w.writing(() => mutation.apply(w));
    if (what !== null) return { mutation, what };
  }
}
