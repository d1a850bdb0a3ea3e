// The short human summary printed after each run: changed or not and why, then drift, size, kernel and time.
import fs from 'node:fs';
import type { Drift } from '../fingerprint/sources.js';
import type { ImageInfo } from '../info/inspect.js';
import { formatBytes, formatSeconds } from '../report/format.js';

export type Summarize = (result: Record<string, unknown>) => string[];

const row = (label: string, text: string) => `  ${label.padEnd(10)} ${text}`;

function sizeOf(result: Record<string, unknown>): number | null {
  if (typeof result.size === 'number') return result.size;
  try {
    return typeof result.image === 'string' ? fs.statSync(result.image).size : null;
  } catch {
    return null;
  }
}

function driftRow(drift: Drift): string {
  const examples = [
    ...drift.added_paths.map((p) => `+${p}`),
    ...drift.removed_paths.map((p) => `-${p}`),
    ...drift.modified_paths.map((p) => `~${p}`),
  ];
  const shown = examples.slice(0, 5).join(' ');
  const more = drift.added + drift.removed + drift.modified > 5 ? ' ...' : '';
  return row('drift', `${drift.added} added, ${drift.removed} removed, ${drift.modified} modified${shown ? `: ${shown}${more}` : ''}`);
}

function kernelRow(kernel: unknown): string[] {
  if (!kernel || typeof kernel !== 'object') return [];
  const k = kernel as { vmlinuz: string; source_vmlinuz: string; changed: boolean };
  return [row('kernel', `${k.source_vmlinuz} -> ${k.vmlinuz}${k.changed ? '' : ' (unchanged)'}`)];
}

export const summarizeBuild: Summarize = (result) => {
  const lines: string[] = [];
  const size = sizeOf(result);
  const facts = [
    typeof result.image === 'string' ? result.image : '',
    size === null ? '' : formatBytes(size),
    typeof result.generation === 'number' ? `generation ${result.generation}` : '',
    result.reproducible === false ? 'not reproducible' : '',
  ].filter(Boolean);
  if (facts.length) lines.push(row('image', facts.join(', ')));
  if (result.drift) lines.push(driftRow(result.drift as Drift));
  if (Array.isArray(result.config_changes)) lines.push(row('settings', `changed: ${result.config_changes.join(', ')}`));
  lines.push(...kernelRow(result.kernel));
  const durations = (result.durations ?? {}) as Record<string, number>;
  const total = Object.values(durations).reduce((a, b) => a + b, 0);
  if (Object.keys(durations).length) {
    const squash = durations.mksquashfs === undefined ? '' : ` (mksquashfs ${formatSeconds(durations.mksquashfs)})`;
    lines.push(row('time', `${formatSeconds(total)}${squash}`));
  }
  return lines;
};

export const summarizeRevert: Summarize = (result) => {
  const lines: string[] = [];
  if (typeof result.active_generation === 'number') lines.push(row('active', `generation ${result.active_generation}`));
  lines.push(...kernelRow(result.kernel));
  return lines;
};

export const summarizeInfo: Summarize = (result) => {
  const images = (result.images ?? []) as ImageInfo[];
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
