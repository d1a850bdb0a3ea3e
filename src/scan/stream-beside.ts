// The source's stat stream read again while the worker builds: it vouches for the record a build keeps, or for the record a forced build trusted.
import type { StreamCheck } from './request.js';
import type { StartedWorker } from '../namespace/run-worker.js';
import { errorMessage } from '../core/errors.js';

/** A build that took the walk record's word found the stream moved beside it: nothing was published; the caller walks and builds again. */
export class StreamMovedError extends Error {
  constructor() {
    super('the source changed while a forced build trusted its record');
  }
}

export interface StreamBeside {
  /** Whether a required stream moved (the build is void); false when the run was interrupted, whose error says more. */
  moved(): Promise<boolean>;
  /** After publishing: records a stream that held, so the next no-op needs no walk. */
  keep(warn: (message: string) => void): Promise<void>;
  /** Stops the stream's finds (a failed or finished build). */
  stop(): void;
}

/** Starts the stream now; a required one that moved ends the worker at once (it is building the wrong tree). */
export function streamBeside(stream: StreamCheck | undefined, worker: StartedWorker, signal: AbortSignal): StreamBeside {
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  signal.addEventListener('abort', stop, { once: true });
  const held = stream?.again(stopping.signal);
  const required = stream?.required
    ? held!.then((same) => {
        if (!same) worker.kill();
        return same;
      })
    : null;
  return {
    moved: async () => required !== null && !signal.aborted && !(await required),
    async keep(warn) {
      if (!stream || stream.required || !(await held)) return;
      try {
        stream.keep();
      } catch (error) {
        warn(`Could not record the source's stat stream (the next run walks the source): ${errorMessage(error)}`);
      }
    },
    stop() {
      signal.removeEventListener('abort', stop);
      stop();
    },
  };
}
