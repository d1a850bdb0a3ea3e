// The walk record (BASE/images/.NAME.walk): the stat stream of a tree a full walk vouched for, read only when it passes its schema.
import crypto from 'node:crypto';
import { FINGERPRINT_FORMAT } from '../fingerprint/manifest-header.js';
import type { WalkRecord } from '../generated/formats/walk_record.js';
import validate from '../generated/formats/walk_record.validate.js';
import { TOOL_VERSION } from '../generated/version.js';
import { writeFileAtomic } from '../fs/temp-file.js';
import { readRegularFile } from '../fs/read-file.js';

export type { WalkRecord } from '../generated/formats/walk_record.js';

/** The schema's format: bumped whenever a record would mean something else. */
export const WALK_RECORD_FORMAT: WalkRecord['format'] = 'ltsp-image-walk-record 3';

/** What else a fingerprint depends on besides the tree; a record made under other inputs vouches for nothing. */
export interface RecordInputs {
  roots: string[];
  subdirs: string[];
  excludes: string[];
  compare: string;
  cleanup: boolean;
  overlay: boolean;
  xattrs: boolean;
}

/** The record's key: an upgrade that fingerprints differently must not be answered by a stream recorded before it. */
export function recordKey(inputs: RecordInputs): string {
  const { xattrs, ...rest } = inputs;
  // Streams recorded before xattrs were compared vouch for digests without them.
  const keyed = { walk: [FINGERPRINT_FORMAT, TOOL_VERSION, xattrs ? 'xattrs' : 'no xattrs'], ...rest };
  return crypto.createHash('sha256').update(JSON.stringify(keyed)).digest('hex');
}

/** The record, when it is one of this format with this key; anything else (missing, torn, older) is none. */
export function readWalkRecord(file: string, key: string): WalkRecord | null {
  try {
    const record: unknown = JSON.parse(readRegularFile(file));
    return validate(record) && (record as WalkRecord).key === key ? (record as WalkRecord) : null;
  } catch {
    return null;
  }
}

export function writeWalkRecord(file: string, record: WalkRecord): void {
  writeFileAtomic(file, `${JSON.stringify(record)}\n`, 0o600);
}
