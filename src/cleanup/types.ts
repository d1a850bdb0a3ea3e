// Shared by the steps and index.ts, kept apart so that steps don't import index.ts (which imports them).
import type { CleanupStepName } from './index.js';

/** What one step did to the tree; `detail` is meant for humans (module output, logs). */
export interface CleanupStep {
  step: CleanupStepName;
  changed: boolean;
  detail: string;
}

/** What a step may know about the build besides the tree. */
export interface CleanupContext {
  /** Whether mksquashfs leaves this image-relative path out of the image: work on it would be wasted. */
  excluded(rel: string): boolean;
}

/** A step's result before index.ts labels it with the step name. */
export type StepOutcome = Omit<CleanupStep, 'step'>;

/** Joins the non-empty parts of a detail with "; " so that skips and actions read as one sentence. */
export function joinDetail(parts: readonly string[]): string {
  return parts.filter((part) => part !== '').join('; ');
}

/** "3 files (a, b, c)" with the list cut short, since details end up in one-line module output. */
export function countedList(count: number, singular: string, plural: string, names: readonly string[], max = 10): string {
  const noun = count === 1 ? singular : plural;
  if (names.length === 0) return `${count} ${noun}`;
  const shown = names.slice(0, max).join(', ');
  const more = names.length > max ? `, and ${names.length - max} more` : '';
  return `${count} ${noun} (${shown}${more})`;
}

