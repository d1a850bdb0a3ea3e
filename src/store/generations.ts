// Which image files exist (NAME.img, NAME.img.old, NAME.img.<generation>) and which state file describes each, matched by inode.
import fs from 'node:fs';
import path from 'node:path';
import { identityOf, readState, statePath, writeState, type ImageState } from './state.js';
import type { ImagePaths } from '../layout/paths.js';
import { crashPoint } from '../core/crashpoint.js';

export interface Generation {
  file: string;
  /** Known from a state file whose recorded identity is this file's; null for images the reference tool built. */
  state: ImageState | null;
  mtimeMs: number;
}

export interface ImageFiles {
  active: Generation | null;
  backup: Generation | null;
  /** Generations kept beyond the backup (keep > 1), newest first. */
  older: Generation[];
  /** Problems with state files, for warnings. */
  problems: string[];
}

export function numberedPath(paths: ImagePaths, generation: number): string {
  return `${paths.image}.${generation}`;
}

function numberedFiles(paths: ImagePaths): string[] {
  const prefix = `${path.basename(paths.image)}.`;
  try {
    return fs
      .readdirSync(paths.imagesDir)
      .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
      .map((n) => path.join(paths.imagesDir, n));
  } catch {
    return [];
  }
}

function generationOf(file: string, states: ImageState[]): Generation | null {
  const id = identityOf(file);
  if (!id) return null;
  const state = states.find((s) => s.image.ino === id.ino && s.image.dev === id.dev && s.image.size === id.size) ?? null;
  return { file, state, mtimeMs: Number(BigInt(id.mtimeNs) / 1000000n) };
}

/** The newer of two images: by generation when both are known, else by modification time. */
export function isNewer(a: Generation, b: Generation): boolean {
  if (a.state && b.state) return a.state.generation > b.state.generation;
  return a.mtimeMs > b.mtimeMs;
}

export function readImageFiles(paths: ImagePaths): ImageFiles {
  const problems: string[] = [];
  const states: ImageState[] = [];
  const numbered = numberedFiles(paths);
  for (const file of [paths.image, paths.backup, ...numbered]) {
    const read = readState(file);
    if ('invalid' in read) problems.push(`Ignoring state file: ${read.invalid}`);
    if ('state' in read) states.push(read.state);
  }
  const older = numbered
    .map((f) => generationOf(f, states))
    .filter((g): g is Generation => g !== null)
    .sort((a, b) => (isNewer(a, b) ? -1 : 1));
  return { active: generationOf(paths.image, states), backup: generationOf(paths.backup, states), older, problems };
}

/** Every image kept, newest first. */
export function allGenerations(files: ImageFiles): Generation[] {
  return [files.active, files.backup, ...files.older].filter((g): g is Generation => g !== null).sort((a, b) => (isNewer(a, b) ? -1 : 1));
}

export function nextGeneration(files: ImageFiles): number {
  return Math.max(0, ...allGenerations(files).map((g) => g.state?.generation ?? 0)) + 1;
}

/** Writes each state beside the file it now describes, or removes a stale one. */
export function placeStates(byFile: Map<string, ImageState | null>): void {
  for (const [file, state] of byFile) {
    if (state) writeState(file, state);
    else fs.rmSync(statePath(file), { force: true });
    crashPoint('record placed');
  }
}
