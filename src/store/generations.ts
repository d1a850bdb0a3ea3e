// Which state file describes which image file: matched by inode, so a crash between renames can never pair an image with another's state.
import fs from 'node:fs';
import { identityOf, readState, statePath, writeState, type ImageState } from './state.js';
import type { ImagePaths } from './paths.js';

export interface Generation {
  file: string;
  /** Known from a state file whose recorded identity is this file's; null for images the reference tool built. */
  state: ImageState | null;
  mtimeMs: number;
}

export interface ImageFiles {
  active: Generation | null;
  backup: Generation | null;
  /** Problems with state files, for warnings. */
  problems: string[];
}

function candidates(paths: ImagePaths): ImageState[] {
  const out: ImageState[] = [];
  for (const file of [paths.image, paths.backup]) {
    const read = readState(file);
    if ('state' in read) out.push(read.state);
  }
  return out;
}

function generationOf(file: string, states: ImageState[]): Generation | null {
  const id = identityOf(file);
  if (!id) return null;
  const state = states.find((s) => s.image.ino === id.ino && s.image.dev === id.dev && s.image.size === id.size) ?? null;
  return { file, state, mtimeMs: Number(BigInt(id.mtimeNs) / 1000000n) };
}

export function readImageFiles(paths: ImagePaths): ImageFiles {
  const problems: string[] = [];
  for (const file of [paths.image, paths.backup]) {
    const read = readState(file);
    if ('invalid' in read) problems.push(`Ignoring state file: ${read.invalid}`);
  }
  const states = candidates(paths);
  return { active: generationOf(paths.image, states), backup: generationOf(paths.backup, states), problems };
}

/** The newer of two images: by generation when both are known, else by modification time. */
export function isNewer(a: Generation, b: Generation): boolean {
  if (a.state && b.state) return a.state.generation > b.state.generation;
  return a.mtimeMs > b.mtimeMs;
}

export function nextGeneration(files: ImageFiles): number {
  const known = [files.active, files.backup].map((g) => g?.state?.generation ?? 0);
  return Math.max(0, ...known) + 1;
}

/** Re-pairs state files with their images after a swap or a backup rename. */
export function placeStates(byFile: Map<string, ImageState | null>): void {
  for (const [file, state] of byFile) {
    if (state) writeState(file, state);
    else fs.rmSync(statePath(file), { force: true });
  }
}
