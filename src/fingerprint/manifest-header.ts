// A manifest's first line, written and read here only: it is hashed into every fingerprint, and it says whether two manifests compare.
import type { ManifestHeader } from '../generated/formats/manifest_header.js';
import validate from '../generated/formats/manifest_header.validate.js';
import type { FingerprintMode } from './manifest-line.js';

/** Changes whenever the same tree would fingerprint differently (what a line holds, how entries are ordered). */
export const FINGERPRINT_FORMAT: ManifestHeader['format'] = 'ltsp-image-fingerprint 1';

const LINE = /^(.*) mode=([a-z]+)$/;

/** Byte for byte what recorded fingerprints cover (without its newline). */
export function headerLine(mode: FingerprintMode): string {
  const header: ManifestHeader = { format: FINGERPRINT_FORMAT, mode };
  return `${header.format} mode=${header.mode}`;
}

/** The header a line states, when it passes the schema; null for anything else (another format, a torn file). */
export function readHeader(line: string): ManifestHeader | null {
  const match = LINE.exec(line);
  const header = match ? { format: match[1], mode: match[2] } : null;
  return header && validate(header) ? (header as ManifestHeader) : null;
}
