// The build history carried in each state file, so "why was this rebuilt last night" outlives pruned generations.
import { allGenerations, type ImageFiles } from './generations.js';
import type { BuildHistoryEntry, ImageState } from './state.js';

const HISTORY_LENGTH = 20;

function knownStates(files: ImageFiles): ImageState[] {
  return allGenerations(files)
    .map((g) => g.state)
    .filter((s): s is ImageState => s !== null)
    .sort((a, b) => b.generation - a.generation);
}

function entryOf(s: ImageState): BuildHistoryEntry {
  return { generation: s.generation, builtAt: s.builtAt, buildSeconds: s.buildSeconds, reason: s.reason ?? null, drift: s.drift ?? null, configChanges: s.configChanges ?? null, size: s.image.size, sizeDelta: s.growth?.delta ?? null, packages: s.packages ? (s.packagesSummary ?? null) : null, bootCheck: s.bootCheck ?? null };
}

/** The history as the newest state records it, newest first; images built before histories get one from their kept states. */
export function historyOf(files: ImageFiles): BuildHistoryEntry[] {
  const states = knownStates(files);
  const recorded = states[0]?.history;
  if (!recorded) return states.map(entryOf);
  // Entries written before histories recorded the boot check take it from their generation's state while it is kept.
  const checkOf = (generation: number) => states.find((s) => s.generation === generation)?.bootCheck ?? null;
  return recorded.map((h) => (h.bootCheck === undefined ? { ...h, bootCheck: checkOf(h.generation) } : h));
}

/** A new build's entry on top of the image's history. */
export function withHistory(files: ImageFiles, entry: BuildHistoryEntry): BuildHistoryEntry[] {
  return [entry, ...historyOf(files)].slice(0, HISTORY_LENGTH);
}
