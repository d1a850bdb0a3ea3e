// A build needs the manifest of what it builds; a scan that matched a record wrote none, so the recorded build's serves, or a walk makes one.
import fs from 'node:fs';
import { workDirLayout } from '../layout/work-dir.js';
import type { Scan, ScanRequest } from './request.js';
import { scanSources } from './scan.js';

/** `scan` with its manifest in the work dir: the active build's copied when the fingerprint is its, else from a new walk (whose scan answers). */
export async function ensureManifest(request: ScanRequest, scan: Scan): Promise<Scan> {
  if (scan.manifest) return scan;
  const { recorded } = request;
  if (recorded.manifest && scan.fingerprint === recorded.fingerprint) {
    try {
      // The same lines a walk would write: the fingerprint is the hash of them.
      fs.copyFileSync(recorded.manifest, workDirLayout(request.workDir).manifest);
      return { ...scan, manifest: true };
    } catch {
      // Gone or unreadable: the walk below writes one.
    }
  }
  // Matching nothing recorded, the walk writes its manifest, and hands the build its stream to record; the decision is
  // made, so no earlier form of the fingerprint is taken again.
  return scanSources({ ...request, recorded: { fingerprint: null, manifest: null, held: null, earlier: null }, intent: 'manifest' });
}
