// A failed boot check outlives its run: the source state it rejected is recorded beside NAME.img.failed, so no later run (another playbook, a night without boot_check) publishes that state unchecked.
import fs from 'node:fs';
import type { ImagePaths } from '../layout/paths.js';
import { readRegularFile } from '../fs/read-file.js';
import { writeFileAtomic } from '../fs/temp-file.js';
import { errorCode } from '../core/errors.js';

const VERDICT_FORMAT = 'ltsp-image-verdict/1';

/** What a boot check rejected: the same fingerprint and build configuration would build the same image. */
export interface Verdict {
  format: typeof VERDICT_FORMAT;
  fingerprint: string;
  configHash: string;
  /** When the check failed (ISO 8601). */
  at: string;
  /** Why the boot ended (the boot report's `ended`). */
  ended: string;
}

export type VerdictRead = { verdict: Verdict | null } | { invalid: string };

export function writeVerdict(paths: ImagePaths, verdict: Omit<Verdict, 'format'>): void {
  writeFileAtomic(paths.verdict, `${JSON.stringify({ format: VERDICT_FORMAT, ...verdict }, null, 1)}\n`, 0o644);
}

function isVerdict(value: unknown): value is Verdict {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.format === VERDICT_FORMAT &&
    ['fingerprint', 'configHash', 'at', 'ended'].every((key) => typeof v[key] === 'string' && v[key] !== '')
  );
}

/** A record that cannot be read is reported, never trusted and never thrown: the caller warns and carries on. */
export function readVerdict(paths: ImagePaths): VerdictRead {
  let text: string;
  try {
    text = readRegularFile(paths.verdict);
  } catch (error) {
    const code = errorCode(error);
    return code === 'ENOENT' ? { verdict: null } : { invalid: `cannot read ${paths.verdict}: ${code}` };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isVerdict(parsed) ? { verdict: parsed } : { invalid: `${paths.verdict} is not a boot check record of this version` };
  } catch {
    return { invalid: `${paths.verdict} is corrupt (not JSON)` };
  }
}

/** Whether `verdict` rejected exactly this source state and configuration. */
export function rejects(verdict: Verdict | null, fingerprint: string, configHash: string): verdict is Verdict {
  return verdict !== null && verdict.fingerprint === fingerprint && verdict.configHash === configHash;
}

/** A newer image was published: the failed one and its verdict describe nothing a client or a run still needs. */
export function clearVerdict(paths: ImagePaths): string[] {
  const removed: string[] = [];
  for (const file of [paths.failed, paths.verdict]) {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) continue;
    fs.rmSync(file);
    removed.push(file);
  }
  return removed;
}
