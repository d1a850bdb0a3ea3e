// Turns SIGTERM, SIGINT (Ctrl-C) and SIGHUP into an abort, so long phases stop their children and clean up instead of dying mid-way.
import { ModuleError } from '../core/errors.js';

export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => controller.abort(new ModuleError(`Interrupted by ${sig}; the previous image was left as it was`)));
  }
  return controller.signal;
}
