// Waits for conditions instead of fixed sleeps: the fingerprint's racy window to pass, the next second, something to happen.
import fs from 'node:fs';
import { COARSE_GRAIN_MS, FINE_GRAIN_MS } from '../../src/fingerprint/racy.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every `everyMs` until it holds; fails naming `what` after timeoutMs (a function: what it says
 * then, e.g. a child's output so far). The one polling loop of the tests: every wait for a condition goes through it.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await tick(everyMs);
  }
}

/**
 * Waits until what the test has just written is older than the fingerprint's racy window, so the next scan trusts its
 * timestamps (a younger file is marked racily clean and rebuilds once more). Times come from the same clock as Date.now().
 */
export async function settle(): Promise<void> {
  const written = Date.now();
  await waitFor(() => Date.now() > written + FINE_GRAIN_MS, 'the racy window to pass');
}

/** Waits until the walk record (BASE/images/.NAME.walk) is older than the coarsest tick, so a forced build takes its word. */
export async function walkRecordAged(file: string): Promise<void> {
  const at = (JSON.parse(fs.readFileSync(file, 'utf8')) as { at: number }).at;
  await waitFor(() => Date.now() - at >= COARSE_GRAIN_MS, 'the walk record to be older than the coarsest tick', 10_000);
}

/** Waits until the clock shows another whole second, for runs that must not share one (their recorded build times differ). */
export async function untilNextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  await waitFor(() => Math.floor(Date.now() / 1000) > second, 'the next second');
}
