// The short human summary printed after each run: changed or not and why, then drift, size, kernel and time.
import fs from 'node:fs';
import type { LtspImageResult } from '../generated/ltsp_image.js';
import type { LtspImageInfoResult } from '../generated/ltsp_image_info.js';
import type { LtspImageRevertResult } from '../generated/ltsp_image_revert.js';
import { formatBytes, formatSeconds } from '../report/format.js';
import type { RunResult } from '../runtime/module.js';

/** The lines under a successful run's message, read from its result as the schema types it. */
export type Summarize<R> = (result: R) => string[];

const row = (label: string, text: string) => `  ${label.padEnd(10)} ${text}`;

function sizeOf(result: RunResult<LtspImageResult>): number | null {
  if (result.size !== undefined) return result.size;
  try {
    return result.image === undefined ? null : fs.statSync(result.image).size;
  } catch {
    return null;
  }
}

function driftRow(drift: NonNullable<LtspImageResult['drift']>): string {
  const examples = [
    ...drift.added_paths.map((p) => `+${p}`),
    ...drift.removed_paths.map((p) => `-${p}`),
    ...drift.modified_paths.map((p) => `~${p}`),
  ];
  const shown = examples.slice(0, 5).join(' ');
  const more = drift.added + drift.removed + drift.modified > 5 ? ' ...' : '';
  return row('drift', `${drift.added} added, ${drift.removed} removed, ${drift.modified} modified${shown ? `: ${shown}${more}` : ''}`);
}

function kernelRow(kernel: LtspImageResult['kernel'] | LtspImageRevertResult['kernel']): string[] {
  if (!kernel) return [];
  return [row('kernel', `${kernel.source_vmlinuz} -> ${kernel.vmlinuz}${kernel.changed ? '' : ' (unchanged)'}`)];
}

export const summarizeBuild: Summarize<RunResult<LtspImageResult>> = (result) => {
  const lines: string[] = [];
  const size = sizeOf(result);
  const facts = [
    result.image ?? '',
    size === null ? '' : formatBytes(size),
    typeof result.generation === 'number' ? `generation ${result.generation}` : '',
    result.reproducible === false ? 'not reproducible' : '',
  ].filter(Boolean);
  if (facts.length) lines.push(row('image', facts.join(', ')));
  if (result.drift) lines.push(driftRow(result.drift));
  if (result.config_changes) lines.push(row('settings', `changed: ${result.config_changes.join(', ')}`));
  lines.push(...kernelRow(result.kernel));
  const durations = result.durations ?? {};
  const total = Object.values(durations).reduce((a: number, b) => a + (b ?? 0), 0);
  if (Object.keys(durations).length) {
    const squash = durations.mksquashfs === undefined ? '' : ` (mksquashfs ${formatSeconds(durations.mksquashfs)})`;
    lines.push(row('time', `${formatSeconds(total)}${squash}`));
  }
  return lines;
};

export const summarizeRevert: Summarize<RunResult<LtspImageRevertResult>> = (result) => {
  const lines: string[] = [];
  if (typeof result.active_generation === 'number') lines.push(row('active', `generation ${result.active_generation}`));
  lines.push(...kernelRow(result.kernel));
  return lines;
};

export const summarizeInfo: Summarize<RunResult<LtspImageInfoResult>> = (result) => {
  const images = result.images ?? [];
  if (!images.length) return [];
  const table = images.map((i) => [
    i.name,
    i.generation === null ? '-' : String(i.generation),
    formatBytes(i.size),
    i.built_at ? i.built_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-',
    String(i.generations.length),
    i.drifted === null ? 'unknown' : i.drifted ? `yes (${i.drift ? `${i.drift.added}+ ${i.drift.removed}- ${i.drift.modified}~` : 'changed'})` : 'no',
  ]);
  const header = ['IMAGE', 'GEN', 'SIZE', 'BUILT', 'KEPT', 'DRIFTED'];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  return [header, ...table].map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
};
