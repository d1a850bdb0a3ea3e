// A nightly no-op hashes find's stat stream instead of walking, once a full walk has vouched for that stream (the walk record).
import { COARSE_GRAIN_MS } from '../fingerprint/racy.js';
import { statDigest } from '../fingerprint/stat-stream.js';
import { hostTree } from '../source/kinds.js';
import type { Scan, ScanRequest } from './request.js';
import { readWalkRecord, recordKey, WALK_RECORD_FORMAT, writeWalkRecord, type WalkRecord } from './walk-record.js';

/** Walks the sources; `manifest`: the walk writes the manifest (a build or a drift report will likely need it). */
export type Walk = (manifest: boolean) => Promise<Scan>;

/** One stream, started on first ask and shared by later ones. */
function onceAgain(roots: string[], expected: string): (signal: AbortSignal) => Promise<boolean> {
  let stream: Promise<boolean> | undefined;
  return (signal) => (stream ??= statDigest(roots, signal, true).then((digest) => digest === expected));
}

function fromRecord(record: WalkRecord, vouched: Scan['vouched']): Scan {
  const { digest, entries, newest, overlayOnly } = record;
  // The schema allows only numbers as its values; the generated type leaves room for undefined.
  const topSizes = record.topSizes as Record<string, number> | null;
  return { fingerprint: digest, earlier: null, vouched, manifest: false, entries, unsettled: 0, identities: [], newest, overlayOnly, topSizes };
}

/**
 * When the record vouches for a recorded fingerprint (the active build's, or a held one) and find's stat stream is
 * the one recorded, that is the answer: no entry changed, and no file was recent enough when the record was made to
 * change unseen within its timestamp tick. Otherwise `walk` decides; a walk that matched is recorded when the stream
 * was the same before and after it (the tree held still) and it found no such recent file. A changed tree costs one
 * stream more than a walk alone.
 * A walk that ends in a build hands the build its stream to take again beside mksquashfs (`stream`): if it held, the
 * build records it, and the next no-op needs no walk.
 * A forced build on a record older than the coarsest timestamp tick takes the record's word at once and checks the
 * stream beside mksquashfs (`stream.required`): any change after the build began is stamped with a ctime later than
 * every recorded one, so a stream equal to the record shows that nothing changed since the record, and the image read
 * what the record describes; a stream that moved sends the build back to a walk.
 */
export async function scanWithShortcut(request: ScanRequest, walk: Walk): Promise<Scan> {
  const { recorded, records, intent, sources } = request;
  const building = intent !== 'compare';
  // A caller that needs the manifest anyway, or has no fingerprint to match, has every walk write it.
  const manifestAnyway = building || recorded.fingerprint === null;
  const trees = sources.map(hostTree);
  if (!records.walkRecord || trees.includes(null)) return walk(manifestAnyway);
  const file = records.walkRecord;
  const roots = trees as string[];
  const { excludes, compare, cleanup, overlay, xattrs } = request;
  const key = recordKey({ roots, subdirs: sources.map((s) => s.subdir ?? ''), excludes, compare, cleanup, overlay, xattrs });
  const known = (digest: string) => digest === recorded.fingerprint || (recorded.held !== null && digest === recorded.held);
  const found = readWalkRecord(file, key);
  const record = found && known(found.digest) ? found : null;
  if (!record && !records.write) return walk(manifestAnyway);
  // Only the active build's record: its manifest is the one a forced build keeps (a held one has to walk for its own).
  if (record && record.digest === recorded.fingerprint && intent === 'forced' && Date.now() - record.at >= COARSE_GRAIN_MS) {
    return { ...fromRecord(record, 'record'), stream: { required: true, again: onceAgain(roots, record.stat), keep: () => {} } };
  }
  const before = await statDigest(roots, request.signal);
  const at = Date.now();
  if (record && before !== null && before === record.stat) return fromRecord(record, 'stream');
  // A stream that moved since the record makes a change likely: that walk writes the manifest, so a change costs one walk.
  const scan = await walk(manifestAnyway || (record !== null && before !== null));
  if (!records.write || before === null || scan.unsettled !== 0) return scan;
  const { fingerprint: digest, entries, newest, overlayOnly, topSizes } = scan;
  const made: WalkRecord = { format: WALK_RECORD_FORMAT, key, digest, stat: before, entries, newest, at, overlayOnly, topSizes };
  const keep = () => writeWalkRecord(file, made);
  if (!building && known(digest)) {
    if ((await statDigest(roots, request.signal)) === before) keep();
    return scan;
  }
  return { ...scan, stream: { required: false, again: onceAgain(roots, before), keep } };
}
