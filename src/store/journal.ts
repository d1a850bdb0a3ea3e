// Every build record a publish or revert moves is written to one journal first, so a SIGKILL between its renames never loses a record: the next run puts each back beside its image.
import fs from 'node:fs';
import path from 'node:path';
import { crashPoint } from '../core/crashpoint.js';
import { readRegularFile } from '../fs/read-file.js';
import { checkState } from './state-check.js';
import { identityOf, readState, statePath, writeState, type ImageState } from './state.js';
import type { ImagePaths } from '../layout/paths.js';
import { writeFileAtomic } from '../fs/temp-file.js';

export function journalPath(paths: ImagePaths): string {
  return path.join(paths.imagesDir, `.${path.basename(paths.image)}.journal.json`);
}

/** Called before the first rename; `states` must hold every record that will still describe an image afterwards. */
export function writeJournal(paths: ImagePaths, states: ImageState[]): void {
  writeFileAtomic(journalPath(paths), `${JSON.stringify(states)}\n`, 0o644);
  crashPoint('journal written');
}

/** Called once every state file is in place. */
export function clearJournal(paths: ImagePaths): void {
  fs.rmSync(journalPath(paths), { force: true });
  crashPoint('journal removed');
}

function journalStates(file: string): ImageState[] {
  try {
    const parsed: unknown = JSON.parse(readRegularFile(file));
    return Array.isArray(parsed) ? parsed.filter((s): s is ImageState => checkState(s) === null) : [];
  } catch {
    return [];
  }
}

/**
 * After an interrupted publish or revert: each image file gets the record (from the journal or any state file)
 * whose inode, device and size are its own, and a state file describing no image it sits beside is removed.
 * Returns what was repaired, or null when there was no journal.
 */
export function replayJournal(paths: ImagePaths, imageFiles: string[]): string | null {
  const journal = journalPath(paths);
  if (!fs.existsSync(journal)) return null;
  const known = [...journalStates(journal)];
  for (const file of imageFiles) {
    const read = readState(file);
    if ('state' in read) known.push(read.state);
  }
  const repaired: string[] = [];
  for (const file of imageFiles) {
    const id = identityOf(file);
    const own = id && known.find((s) => s.image.ino === id.ino && s.image.dev === id.dev && s.image.size === id.size);
    const read = readState(file);
    const current = 'state' in read ? read.state : null;
    if (own && JSON.stringify(own) !== JSON.stringify(current)) {
      writeState(file, own);
      repaired.push(path.basename(statePath(file)));
    } else if (!own && fs.existsSync(statePath(file))) {
      fs.rmSync(statePath(file), { force: true });
      repaired.push(`-${path.basename(statePath(file))}`);
    }
  }
  fs.rmSync(journal, { force: true });
  return `completed an interrupted publish or revert${repaired.length ? ` (state files: ${repaired.join(', ')})` : ''}`;
}
