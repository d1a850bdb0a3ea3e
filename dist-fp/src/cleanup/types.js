// Shared by the steps and index.ts, kept apart so that steps don't import index.ts (which imports them).
/** Joins the non-empty parts of a detail with "; " so that skips and actions read as one sentence. */
export function joinDetail(parts) {
    return parts.filter((part) => part !== '').join('; ');
}
/** "3 files (a, b, c)" with the list cut short, since details end up in one-line module output. */
export function countedList(count, singular, plural, names, max = 10) {
    const noun = count === 1 ? singular : plural;
    if (names.length === 0)
        return `${count} ${noun}`;
    const shown = names.slice(0, max).join(', ');
    const more = names.length > max ? `, and ${names.length - max} more` : '';
    return `${count} ${noun} (${shown}${more})`;
}
/** Error messages of any thrown value, for details and wrapped errors. */
export function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}
//# sourceMappingURL=types.js.map