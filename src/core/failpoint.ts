// Named points where the fault tests stop a run (LTSP_IMAGE_FAILPOINT=name) to kill it there; a no-op otherwise.
// The released bundles read the variable as undefined (scripts/bundle.mjs), so the points compile to nothing there.

/**
 * Waits there for good (the test kills the run); given the run's signal, only until it is interrupted, and then
 * returns, so the phase after the point meets an aborted signal: the test of that phase's own stopping.
 */
export async function failpoint(name: string, signal?: AbortSignal): Promise<void> {
  const armed = process.env.LTSP_IMAGE_FAILPOINT;
  if (!armed || armed !== name) return;
  process.stderr.write(`failpoint ${name} reached\n`);
  const forever = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(forever);
}
