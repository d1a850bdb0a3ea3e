// The server's CUPS queues (device URIs, often with credentials) would otherwise be served by every client; clients print via the server.
import { pathMatcher } from './path-patterns.js';
import { resolveInTree, skipOf, type Resolved } from './resolve.js';
import { inspect, readRegular, replaceRegular } from './tree-fs.js';
import { showRel } from './tree-path.js';
import { TRUNCATED_FILES } from './truncate.js';
import { countedList, joinDetail, type StepOutcome } from './types.js';

const PRINTERS_CONF = 'etc/cups/printers.conf';

// Each line with its own ending, so that a last line without a newline stays that way.
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Lines kept by the reference tool's `sed '/^#/!d'`: comments only. */
export function keepCommentLines(text: string): string {
  return linesOf(text)
    .filter((line) => line.startsWith('#'))
    .join('');
}

/** Queue names, from `<Printer NAME>` and `<DefaultPrinter NAME>` block openings, for the step's detail. */
export function printerNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*<(?:Default)?Printer\s+([^>]*)>/.exec(line);
    const name = match?.[1]?.trim();
    if (name !== undefined && name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** What cleanup leaves in a file the truncate step empties: nothing, whatever the source holds (the fingerprint ignores it). */
const emptiedLater = pathMatcher(TRUNCATED_FILES);

/**
 * Keeps the comment lines of printers.conf, wherever its symlinks lead inside the tree. A symlink at
 * etc/cups/printers.conf itself becomes a regular file, as the reference's `sed -i` makes it, and its target
 * is scrubbed too, which the reference leaves with the queues and their credentials.
 */
export async function removePrinters(root: string): Promise<StepOutcome> {
  const target = await resolveInTree(root, PRINTERS_CONF);
  if (target.entry.kind === 'missing' && target.links === 0) return { changed: false, detail: `no ${PRINTERS_CONF}` };
  if (target.entry.kind !== 'regular') return { changed: false, detail: skipOf(PRINTERS_CONF, target) };

  const { data, stat } = await readRegular(root, target.rel);
  const text = emptiedLater(target.rel.toString('latin1')) ? '' : data.toString('utf8');
  const kept = keepCommentLines(text);
  const ownership = { uid: stat.uid, gid: stat.gid, mode: stat.mode };
  const link = (await inspect(root, PRINTERS_CONF)).kind === 'symlink';
  if (link) await replaceRegular(root, PRINTERS_CONF, kept, ownership);
  if (kept === data.toString('utf8') || text === '') {
    return link ? { changed: true, detail: `no printers; ${replacedLink(target)}` } : { changed: false, detail: 'no printers' };
  }

  await replaceRegular(root, target.rel, kept, ownership);
  const names = printerNames(text);
  const removedLines = linesOf(text).length - linesOf(kept).length;
  const what =
    names.length > 0
      ? countedList(names.length, 'printer', 'printers', names)
      : countedList(removedLines, 'non-comment line', 'non-comment lines', []);
  return { changed: true, detail: joinDetail([`removed ${what}${target.links > 0 ? ` from ${showRel(target.rel)}` : ''}`, link ? replacedLink(target) : '']) };
}

function replacedLink(target: Resolved): string {
  return `replaced the symlink ${PRINTERS_CONF} (to ${showRel(target.rel)}) with a regular file`;
}
