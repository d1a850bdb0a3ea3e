// A nightly no-op hashes find's stat stream instead of walking, once a full walk has vouched for that stream (the record beside the image).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { COARSE_GRAIN_MS, FINGERPRINT_FORMAT } from '../fingerprint/fingerprint.js';
import type { SourceScan } from '../fingerprint/sources.js';
import { statDigest } from '../fingerprint/stat-stream.js';
import type { XattrOptions } from '../fingerprint/xattr-gate.js';
import { hostTree, type ResolvedSource } from '../source/kinds.js';
import { TOOL_VERSION } from '../generated/version.js';
import { writeFileAtomic } from '../fs/temp-file.js';

// 2: records say what only the overlay hides (overlayOnly), which a build without a walk takes from them.
// 3: and the top-level sizes (topSizes), which such a build reports its growth by.
const FORMAT = 'ltsp-image-walk-record 3';

interface WalkRecord {
  format: string;
  /** What else the fingerprint depends on: sources, excludes, compare mode, cleanup, the walk's own version. */
  key: string;
  /** The fingerprint a full walk computed from the tree that find's stream below showed. */
  digest: string;
  stat: string;
  entries: number;
  newest: number;
  /** When the recorded stream was taken: every ctime in it is older. */
  at: number;
  /** See FingerprintResult.overlayOnly. */
  overlayOnly: string | null;
  /** See SourceScan.topSizes. */
  topSizes: Record<string, number> | null;
}

export interface ShortcutOptions {
  excludes: string[];
  compare: string;
  cleanup: boolean;
  overlay: boolean;
  xattrs: XattrOptions | null;
  signal: AbortSignal;
  /** The record's file, and whether this run may write it (never in check mode). */
  walkRecord?: { file: string; write: boolean };
  /** The run builds whatever it finds (force, no freeze): a record old enough is taken at once and checked beside the build. */
  trustRecord?: boolean;
  /** After a revert, the fingerprint of the build it moved away from: a no-op finding it again is held, with no walk either. */
  held?: string | null;
}

function readRecord(file: string): WalkRecord | null {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as WalkRecord;
    return record.format === FORMAT ? record : null;
  } catch {
    return null;
  }
}

function writeRecord(file: string, record: WalkRecord): void {
  writeFileAtomic(file, `${JSON.stringify(record)}\n`, 0o600);
}

/** One stream, started on first ask and shared by later ones. */
function onceAgain(roots: string[], expected: string): (signal: AbortSignal) => Promise<boolean> {
  let stream: Promise<boolean> | undefined;
  return (signal) => (stream ??= statDigest(roots, signal, true).then((digest) => digest === expected));
}

/**
 * The scan of a run that may find nothing changed (`expected` is the recorded fingerprint, null for a first
 * build). When the record vouches for `expected` and find's stat stream is the one recorded, that is the
 * answer: no entry changed, and no file was recent enough when the record was made to change unseen within its
 * timestamp tick. Otherwise `walk` decides; a walk that matched is recorded when the stream was the same before
 * and after it (the tree held still) and it found no such recent file. A changed tree costs one stream more
 * than a walk alone.
 * `building`: the run builds whatever the scan finds (force), so any walk writes the manifest.
 * A walk that ends in a build hands the build its stream to take again beside mksquashfs (`stream`): if it
 * held, the build records it, and the next no-op needs no walk.
 * A forced build (`trustRecord`) on a record older than the coarsest timestamp tick takes the record's word at
 * once and checks the stream beside mksquashfs (`stream.required`): any change after the build began is stamped
 * with a ctime later than every recorded one, so a stream equal to the record shows that nothing changed since
 * the record, and the image read what the record describes; a stream that moved sends the build back to a walk.
 */
export async function scanWithShortcut(
  sources: ResolvedSource[],
  options: ShortcutOptions,
  expected: string | null,
  walk: (manifest: boolean) => Promise<SourceScan>,
  building = false,
): Promise<SourceScan> {
  const where = options.walkRecord;
  // A run that builds anyway, or has no fingerprint to match, has every walk write the manifest.
  const manifestAnyway = building || expected === null;
  const trees = sources.map(hostTree);
  if (!where || trees.includes(null)) return walk(manifestAnyway);
  const roots = trees as string[];
  // An upgrade that fingerprints differently must not be answered by a stream recorded before it.
  // Streams recorded before xattrs were compared vouch for digests without them.
  const inputs = { walk: [FINGERPRINT_FORMAT, TOOL_VERSION, options.xattrs ? 'xattrs' : 'no xattrs'], roots, subdirs: sources.map((s) => s.subdir ?? ''), excludes: options.excludes, compare: options.compare, cleanup: options.cleanup, overlay: options.overlay };
  const key = crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  const record = readRecord(where.file);
  const known = (digest: string) => digest === expected || (!!options.held && digest === options.held);
  const usable = record !== null && record.key === key && known(record.digest);
  if (!usable && !where.write) return walk(manifestAnyway);
  const vouched = (): SourceScan => ({ digest: record!.digest, legacy: record!.digest, unlinked: record!.digest, entries: record!.entries, racy: 0, unsettled: 0, identities: [], newest: record!.newest, manifest: false, overlayOnly: record!.overlayOnly, topSizes: record!.topSizes });
  // Only the active build's record: its manifest is the one a forced build keeps (a held one has to walk for its own).
  if (usable && record.digest === expected && options.trustRecord && Date.now() - record.at >= COARSE_GRAIN_MS) {
    return { ...vouched(), stream: { required: true, again: onceAgain(roots, record.stat), keep: () => {} } };
  }
  const before = await statDigest(roots, options.signal);
  const at = Date.now();
  if (usable && before !== null && before === record.stat) return vouched();
  // A stream that moved since the record makes a change likely: that walk writes the manifest, so a change costs one walk.
  const scan = await walk(manifestAnyway || (usable && before !== null));
  if (!where.write || before === null || scan.unsettled !== 0) return scan;
  const made: WalkRecord = { format: FORMAT, key, digest: scan.digest, stat: before, entries: scan.entries, newest: scan.newest, at, overlayOnly: scan.overlayOnly, topSizes: scan.topSizes };
  const keep = () => writeRecord(where.file, made);
  if (!building && known(scan.digest)) {
    if ((await statDigest(roots, options.signal)) === before) keep();
    return scan;
  }
  return { ...scan, stream: { required: false, again: onceAgain(roots, before), keep } };
}
