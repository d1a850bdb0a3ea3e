// The server's CUPS queues (device URIs, often with credentials) would otherwise be served by every client; clients print via the server.
import { inspect, readRegular, replaceRegular, skipReason } from './tree-fs.js';
import { countedList } from './types.js';
const PRINTERS_CONF = 'etc/cups/printers.conf';
// Each line with its own ending, so that a last line without a newline stays that way.
function linesOf(text) {
    return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
/** Lines kept by the reference tool's `sed '/^#/!d'`: comments only. */
export function keepCommentLines(text) {
    return linesOf(text)
        .filter((line) => line.startsWith('#'))
        .join('');
}
/** Queue names, from `<Printer NAME>` and `<DefaultPrinter NAME>` block openings, for the step's detail. */
export function printerNames(text) {
    const names = [];
    for (const line of text.split('\n')) {
        const match = /^\s*<(?:Default)?Printer\s+([^>]*)>/.exec(line);
        const name = match?.[1]?.trim();
        if (name !== undefined && name !== '' && !names.includes(name))
            names.push(name);
    }
    return names;
}
export async function removePrinters(root) {
    const entry = await inspect(root, PRINTERS_CONF);
    if (entry.kind === 'missing')
        return { changed: false, detail: `no ${PRINTERS_CONF}` };
    if (entry.kind !== 'regular')
        return { changed: false, detail: skipReason(PRINTERS_CONF, entry) };
    const { data, stat } = await readRegular(root, PRINTERS_CONF);
    const text = data.toString('utf8');
    const kept = keepCommentLines(text);
    if (kept === text)
        return { changed: false, detail: 'no printers' };
    await replaceRegular(root, PRINTERS_CONF, kept, { uid: stat.uid, gid: stat.gid, mode: stat.mode });
    const names = printerNames(text);
    const removedLines = linesOf(text).length - linesOf(kept).length;
    const what = names.length > 0
        ? countedList(names.length, 'printer', 'printers', names)
        : countedList(removedLines, 'non-comment line', 'non-comment lines', []);
    return { changed: true, detail: `removed ${what}` };
}
//# sourceMappingURL=printers.js.map