// Spells the overlay mount(8) argv; each source kind spells its own read-only mount (source/kind-*.ts).
/** overlayfs splits lowerdir on ':' and options on ','; escape both in a path. */
function escapeOverlay(dir: string): string {
  return dir.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/,/g, '\\,');
}

export function overlayMountArgv(lower: string, upper: string, work: string, target: string): string[] {
  const opts = `lowerdir=${escapeOverlay(lower)},upperdir=${escapeOverlay(upper)},workdir=${escapeOverlay(work)}`;
  return ['mount', '-t', 'overlay', '-o', opts, 'overlay', target];
}
