// Bounds how far V8 lets the heap grow past what is live, so a walk's peak RSS does not depend on the garbage collector's timing.
import v8 from 'node:v8';

/**
 * Before a full collection V8 lets the old generation grow to as much as four times what survived the last one,
 * by a factor it derives from how fast it has been collecting: the same 1M-entry walk (10-14 MB live) peaked
 * anywhere from 106 to 197 MB of RSS. A fixed factor makes the next full collection come once the old generation
 * is half again what is live (or V8's minimum step above it), whatever the timing; the young generation has V8's
 * own fixed ceiling (two 16 MB semi-spaces). V8 reads this flag at every collection and Node leaves its flags
 * unfrozen, so it holds from here on, in every module process and the namespace worker, however Node was started.
 */
export const HEAP_GROWING_PERCENT = 50;

export function boundHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
