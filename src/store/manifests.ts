// Keeps each build's source manifest in the images dir under its generation, and drops the ones no image refers to.
import fs from 'node:fs';
import path from 'node:path';
import { crashPoint } from '../core/crashpoint.js';
import type { ImagePaths } from '../layout/paths.js';
import { moveInto } from '../fs/temp-file.js';
import { readState } from './state.js';

export function manifestName(imageName: string, generation: number): string {
  return `.${imageName}.g${generation}.manifest.gz`;
}

/** Moves the manifest written during the scan next to the image; a flushed copy + unlink when /tmp is another filesystem. */
export function keepManifest(from: string, paths: ImagePaths, name: string): void {
  moveInto(from, path.join(paths.imagesDir, name));
  crashPoint('manifest kept');
}

/** Keeps the manifests the state files of NAME.img and NAME.img.old refer to. */
export function pruneManifests(paths: ImagePaths, imageName: string): void {
  const states = [paths.image, paths.backup].map(readState).map((r) => ('state' in r ? r.state : null));
  const wanted = new Set(states.map((s) => s?.manifest).filter((m): m is string => !!m));
  const prefix = `.${imageName}.g`;
  for (const name of fs.readdirSync(paths.imagesDir)) {
    if (name.startsWith(prefix) && name.endsWith('.manifest.gz') && !wanted.has(name)) fs.rmSync(path.join(paths.imagesDir, name), { force: true });
  }
}
