// Deciding which accounts leave the image is kept free of I/O so that it can be checked on plain strings.
import { entryFields, entryId, parseColonFile, pruneMemberFields, serializeColonFile, withoutEntries, } from './colon-files.js';
import { inRange } from './login-defs.js';
// Field positions from passwd(5), group(5) and gshadow(5).
const PASSWD_UID = 2;
const GROUP_GID = 2;
const GROUP_MEMBERS = 3;
const GSHADOW_ADMINS = 2;
const GSHADOW_MEMBERS = 3;
function namesWithIdInRange(file, idField, min, max) {
    const names = [];
    for (const line of file.lines) {
        const id = entryId(line, idField);
        const name = entryFields(line)?.[0];
        if (id === null || name === undefined || !inRange(id, min, max))
            continue;
        if (!names.includes(name))
            names.push(name);
    }
    return names;
}
function mapLines(file, edit) {
    return { lines: file.lines.map(edit), trailingNewline: file.trailingNewline };
}
function rewrite(text, edit) {
    return text === null ? null : serializeColonFile(edit(parseColonFile(text)));
}
/**
 * Removes the normal users (UID in range) with their shadow entries, the normal groups
 * (GID in range) with their gshadow entries, and the removed users from every remaining
 * group's member list and gshadow member and admin lists. System accounts stay.
 */
export function pruneAccounts(texts, ranges) {
    const removedUsers = texts.passwd === null ? [] : namesWithIdInRange(parseColonFile(texts.passwd), PASSWD_UID, ranges.uidMin, ranges.uidMax);
    const removedGroups = texts.group === null ? [] : namesWithIdInRange(parseColonFile(texts.group), GROUP_GID, ranges.gidMin, ranges.gidMax);
    const users = new Set(removedUsers);
    const groups = new Set(removedGroups);
    return {
        passwd: rewrite(texts.passwd, (file) => withoutEntries(file, users)),
        shadow: rewrite(texts.shadow, (file) => withoutEntries(file, users)),
        group: rewrite(texts.group, (file) => mapLines(withoutEntries(file, groups), (line) => pruneMemberFields(line, [GROUP_MEMBERS], users))),
        gshadow: rewrite(texts.gshadow, (file) => mapLines(withoutEntries(file, groups), (line) => pruneMemberFields(line, [GSHADOW_ADMINS, GSHADOW_MEMBERS], users))),
        removedUsers,
        removedGroups,
    };
}
//# sourceMappingURL=accounts.js.map