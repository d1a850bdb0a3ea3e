// Numbered points at every rename and write of a publish or revert where the fault tests make a run SIGKILL itself (LTSP_IMAGE_CRASH_AT=N).
// The released bundles read the variable as undefined (scripts/bundle.mjs), so the points compile to nothing there.
let reached = 0;

/** A no-op unless LTSP_IMAGE_CRASH_AT names this step's number: then the process dies by SIGKILL right here. */
export function crashPoint(what: string): void {
  const at = process.env.LTSP_IMAGE_CRASH_AT;
  if (!at) return;
  reached++;
  if (at !== String(reached)) return;
  process.stderr.write(`crash point ${reached} (${what})\n`);
  process.kill(process.pid, 'SIGKILL');
}
