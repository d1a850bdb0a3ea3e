import { pruneAccounts } from './accounts.js';
import { DEFAULT_ID_RANGES, parseLoginDefs } from './login-defs.js';
import { describeSkips, inspect, readRegular, removeEntry, replaceRegular, skipReason } from './tree-fs.js';
import { countedList, joinDetail } from './types.js';
const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow'];
// Written by shadow-utils on every change; they hold the same secrets as the files we rewrite.
const BACKUP_FILES = ['passwd-', 'shadow-', 'group-', 'gshadow-', 'subuid-', 'subgid-'];
async function readRanges(root) {
    const rel = 'etc/login.defs';
    const entry = await inspect(root, rel);
    if (entry.kind === 'missing')
        return { ranges: { ...DEFAULT_ID_RANGES }, note: '' };
    if (entry.kind !== 'regular')
        return { ranges: { ...DEFAULT_ID_RANGES }, note: `${skipReason(rel, entry)}, used the default ID ranges` };
    const { data } = await readRegular(root, rel);
    return { ranges: parseLoginDefs(data.toString('utf8')), note: '' };
}
async function rewriteAccounts(root) {
    const texts = { passwd: null, shadow: null, group: null, gshadow: null };
    const stats = new Map();
    // All four or none: rewriting passwd while a symlinked shadow keeps its entries would leave them inconsistent.
    for (const name of ACCOUNT_FILES) {
        const rel = `etc/${name}`;
        const entry = await inspect(root, rel);
        if (entry.kind === 'missing')
            continue;
        if (entry.kind !== 'regular')
            return { changed: false, detail: `${skipReason(rel, entry)}, account files left as they are` };
        const { data, stat } = await readRegular(root, rel);
        texts[name] = data.toString('utf8');
        stats.set(name, stat);
    }
    if (texts.passwd === null && texts.group === null)
        return { changed: false, detail: 'no etc/passwd or etc/group' };
    const { ranges, note } = await readRanges(root);
    const pruned = pruneAccounts(texts, ranges);
    let changed = false;
    for (const name of ACCOUNT_FILES) {
        const before = texts[name];
        const after = pruned[name];
        const stat = stats.get(name);
        if (before === null || after === null || after === before || stat === undefined)
            continue;
        await replaceRegular(root, `etc/${name}`, after, { uid: stat.uid, gid: stat.gid, mode: stat.mode });
        changed = true;
    }
    const { removedUsers, removedGroups } = pruned;
    const summary = removedUsers.length === 0 && removedGroups.length === 0
        ? 'no normal users or groups'
        : `removed ${countedList(removedUsers.length, 'user', 'users', removedUsers)} and ${countedList(removedGroups.length, 'group', 'groups', removedGroups)}`;
    return { changed, detail: joinDetail([summary, note]) };
}
async function removeBackups(root) {
    const removed = [];
    const skipped = [];
    for (const name of BACKUP_FILES) {
        const rel = `etc/${name}`;
        const entry = await inspect(root, rel);
        if (entry.kind === 'missing')
            continue;
        if (entry.kind !== 'regular') {
            skipped.push({ rel, entry });
            continue;
        }
        await removeEntry(root, rel);
        removed.push(name);
    }
    const summary = removed.length === 0 ? '' : `deleted ${countedList(removed.length, 'backup', 'backups', removed)}`;
    return { changed: removed.length > 0, detail: joinDetail([summary, ...describeSkips(skipped)]) };
}
export async function removeUsers(root) {
    const accounts = await rewriteAccounts(root);
    const backups = await removeBackups(root);
    return { changed: accounts.changed || backups.changed, detail: joinDetail([accounts.detail, backups.detail]) };
}
//# sourceMappingURL=users.js.map