// Prometheus text-format metrics for node_exporter's textfile collector, written atomically so a scrape never sees half a file.
import { removeStaleTemps, writeFileAtomic } from '../fs/temp-file.js';

export type RunResult = 'ok' | 'changed' | 'failed';

export interface ImageMetrics {
  image: string;
  result: RunResult;
  lastRun: number;
  lastBuild: number | null;
  buildSeconds: number | null;
  size: number | null;
  drifted: boolean | null;
  generation: number | null;
  /** Seconds the run's boot check took (to multi-user.target, or to its failure); null when none ran. */
  bootSeconds?: number | null;
}

const HELP: [string, string][] = [
  ['last_run_timestamp_seconds', 'When ltsp_image last ran for the image.'],
  ['last_build_timestamp_seconds', 'When the active image was built.'],
  ['build_duration_seconds', 'How long the build of the active image took.'],
  ['size_bytes', 'Size of the active image.'],
  ['drifted', '1 when the last run found the source or configuration changed since the build.'],
  ['generation', 'Generation number of the active image.'],
  ['boot_check_seconds', 'How long the last boot check took to reach multi-user.target (or to fail); absent when the run booted nothing.'],
  ['result', 'Outcome of the last run, one series per result, the current one set to 1.'],
];

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(m: ImageMetrics): string {
  const values: Record<string, number | null> = {
    last_run_timestamp_seconds: m.lastRun,
    last_build_timestamp_seconds: m.lastBuild,
    build_duration_seconds: m.buildSeconds,
    size_bytes: m.size,
    drifted: m.drifted === null ? null : Number(m.drifted),
    generation: m.generation,
    boot_check_seconds: m.bootSeconds ?? null,
  };
  const id = `image="${label(m.image)}"`;
  const lines: string[] = [];
  for (const [name, help] of HELP) {
    lines.push(`# HELP ltsp_image_${name} ${help}`, `# TYPE ltsp_image_${name} gauge`);
    if (name === 'result') {
      for (const r of ['ok', 'changed', 'failed']) lines.push(`ltsp_image_result{${id},result="${r}"} ${r === m.result ? 1 : 0}`);
    } else if (values[name] !== null && values[name] !== undefined) {
      lines.push(`ltsp_image_${name}{${id}} ${values[name]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A run killed while writing the metrics left its temp behind this long ago at least; node_exporter ignores it, but they add up. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** Through an unpredictable temp name: the textfile dir is often writable by node_exporter's account. */
export function writeMetrics(file: string, m: ImageMetrics): void {
  removeStaleTemps(file, STALE_TEMP_MS);
  writeFileAtomic(file, renderMetrics(m), 0o644);
}
