// A nightly no-op hashes find's stat stream instead of walking, once a full walk has vouched for that stream (the record beside the image).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { FINGERPRINT_FORMAT } from '../fingerprint/fingerprint.js';
import type { SourceScan } from '../fingerprint/sources.js';
import { statDigest } from '../fingerprint/stat-stream.js';
import type { XattrOptions } from '../fingerprint/xattr-gate.js';
import type { ResolvedSource } from '../source/resolve.js';
import { TOOL_VERSION } from '../generated/version.js';
import { writeFileAtomic } from '../store/temp-file.js';

const FORMAT = 'ltsp-image-walk-record 1';

interface WalkRecord {
  format: string;
  /** What else the fingerprint depends on: sources, excludes, compare mode, cleanup, the walk's own version. */
  key: string;
  /** The fingerprint a full walk computed from the tree that find's stream below showed. */
  digest: string;
  stat: string;
  entries: number;
  newest: number;
}

export interface ShortcutOptions {
  excludes: string[];
  compare: string;
  cleanup: boolean;
  xattrs: XattrOptions | null;
  signal: AbortSignal;
  /** The record's file, and whether this run may write it (never in check mode). */
  walkRecord?: { file: string; write: boolean };
}

function readRecord(file: string): WalkRecord | null {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as WalkRecord;
    return record.format === FORMAT ? record : null;
  } catch {
    return null;
  }
}

/**
 * The scan of a run that may find nothing changed (`expected` is the recorded fingerprint). When the record
 * vouches for `expected` and find's stat stream is the one recorded, that is the answer: no entry changed, and
 * no file was recent enough when the record was made to change unseen within its timestamp tick. Otherwise
 * `walk` decides; a walk that matched is recorded when the stream was the same before and after it (the tree
 * held still) and it found no such recent file. A changed tree costs one stream more than a walk alone.
 * `building`: the run builds whatever the scan finds (force), so any walk writes the manifest and none is recorded.
 */
export async function scanWithShortcut(
  sources: ResolvedSource[],
  options: ShortcutOptions,
  expected: string,
  walk: (manifest: boolean) => Promise<SourceScan>,
  building = false,
): Promise<SourceScan> {
  const where = options.walkRecord;
  if (!where || sources.some((s) => s.kind !== 'directory')) return walk(building);
  const roots = sources.map((s) => s.path);
  // An upgrade that fingerprints differently must not be answered by a stream recorded before it.
  // Streams recorded before xattrs were compared vouch for digests without them.
  const inputs = { walk: [FINGERPRINT_FORMAT, TOOL_VERSION, options.xattrs ? 'xattrs' : 'no xattrs'], roots, subdirs: sources.map((s) => s.subdir ?? ''), excludes: options.excludes, compare: options.compare, cleanup: options.cleanup };
  const key = crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  const record = readRecord(where.file);
  const usable = record !== null && record.key === key && record.digest === expected;
  if (!usable && (!where.write || building)) return walk(building);
  const before = await statDigest(roots, options.signal);
  if (usable && before !== null && before === record.stat) {
    return { digest: expected, legacy: expected, entries: record.entries, racy: 0, unsettled: 0, identities: [], newest: record.newest, manifest: false };
  }
  // A stream that moved since the record makes a change likely: that walk writes the manifest, so a change costs one walk.
  const scan = await walk(building || (usable && before !== null));
  if (where.write && before !== null && scan.digest === expected && scan.unsettled === 0 && (await statDigest(roots, options.signal)) === before) {
    const made: WalkRecord = { format: FORMAT, key, digest: expected, stat: before, entries: scan.entries, newest: scan.newest };
    writeFileAtomic(where.file, `${JSON.stringify(made)}\n`, 0o600);
  }
  return scan;
}
