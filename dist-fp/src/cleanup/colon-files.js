// passwd, shadow, group and gshadow share one format; lines we don't understand (comments, NIS "+" entries) must survive untouched.
export function parseColonFile(text) {
    const trailingNewline = text.endsWith('\n');
    const body = trailingNewline ? text.slice(0, -1) : text;
    return { lines: text === '' ? [] : body.split('\n'), trailingNewline };
}
export function serializeColonFile(file) {
    if (file.lines.length === 0)
        return '';
    return file.lines.join('\n') + (file.trailingNewline ? '\n' : '');
}
/** The fields of an account entry, or null for blank lines, comments and NIS compat entries. */
export function entryFields(line) {
    if (line.trim() === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-'))
        return null;
    const fields = line.split(':');
    return fields[0] === '' ? null : fields;
}
export function entryName(line) {
    return entryFields(line)?.[0] ?? null;
}
/** The numeric ID in field `index` (UID in passwd, GID in group), or null when absent or malformed. */
export function entryId(line, index) {
    const value = entryFields(line)?.[index];
    if (value === undefined || !/^\d+$/.test(value))
        return null;
    const id = Number(value);
    return Number.isSafeInteger(id) ? id : null;
}
/** Drops `removed` names from a comma-separated member or admin list. */
export function withoutNames(list, removed) {
    if (list === '')
        return list;
    return list
        .split(',')
        .filter((name) => !removed.has(name))
        .join(',');
}
/**
 * Removes the names from the comma lists in the given fields of every entry,
 * returning the new line and leaving unparsed lines alone.
 */
export function pruneMemberFields(line, fieldIndexes, removed) {
    const fields = entryFields(line);
    if (fields === null || removed.size === 0)
        return line;
    let touched = false;
    for (const index of fieldIndexes) {
        const value = fields[index];
        if (value === undefined)
            continue;
        const pruned = withoutNames(value, removed);
        if (pruned !== value) {
            fields[index] = pruned;
            touched = true;
        }
    }
    return touched ? fields.join(':') : line;
}
/** Keeps only the lines whose entry name is not in `removed`. */
export function withoutEntries(file, removed) {
    const lines = file.lines.filter((line) => {
        const name = entryName(line);
        return name === null || !removed.has(name);
    });
    return { lines, trailingNewline: file.trailingNewline };
}
//# sourceMappingURL=colon-files.js.map