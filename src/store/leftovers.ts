// What an interrupted earlier run may have left, put right under the image lock: a half-done revert, temp files, a journal of moved records, entries we never make.
import fs from 'node:fs';
import path from 'node:path';
import { numberedPath } from './generations.js';
import { journalPath, replayJournal } from './journal.js';
import type { ImagePaths } from '../layout/paths.js';
import { sameInode } from '../fs/stat.js';
import { readState, statePath } from './state.js';
import { holdPath } from './swap.js';
import { moveAsideUnlessRegular, tempsIn } from '../fs/temp-file.js';

/**
 * A revert killed between its renames leaves the former active image only under the hold name: give it back
 * a real name (NAME.img.old, or its numbered name) instead of deleting what may be its only link.
 */
function recoverHold(paths: ImagePaths): string | null {
  const hold = holdPath(paths);
  if (!fs.existsSync(hold)) return null;
  if (sameInode(hold, paths.image) || sameInode(hold, paths.backup)) {
    fs.rmSync(hold);
    return `removed ${hold}`;
  }
  const target = fs.existsSync(paths.backup) ? numberedFor(paths, hold) : paths.backup;
  if (!target || fs.existsSync(target)) return `kept ${hold}: cannot tell which generation it is; rename or remove it`;
  fs.renameSync(hold, target);
  fs.rmSync(statePath(hold), { force: true });
  return `completed an interrupted revert: ${target}`;
}

/** The hold is the former active image, so its state is still NAME.img.json (states move after the renames). */
function numberedFor(paths: ImagePaths, file: string): string | null {
  const stat = fs.statSync(file);
  for (const candidate of [paths.image, paths.backup]) {
    const read = readState(candidate);
    if ('state' in read && read.state.image.ino === stat.ino) return numberedPath(paths, read.state.generation);
  }
  return null;
}

/** NAME.img, NAME.img.old and every NAME.img.N that exists or still has a state file. */
function imageFileNames(paths: ImagePaths, names: string[]): string[] {
  const base = path.basename(paths.image);
  const numbered = new Set(names.map((n) => /^(.*?)(?:\.json)?$/.exec(n)![1]!).filter((n) => n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1))));
  return [paths.image, paths.backup, ...[...numbered].map((n) => path.join(paths.imagesDir, n))];
}

/** Entries moved aside are not ours: the admin should hear of them. */
export function worthWarning(line: string): boolean {
  return line.includes(' never makes: moved it to ');
}

/** Returns what was done, one line each; worthWarning picks the lines to warn about. */
export function removeLeftovers(paths: ImagePaths): string[] {
  const done: string[] = [];
  for (const fixed of [paths.tmp, holdPath(paths), statePath(paths.image), statePath(paths.backup), paths.checksumCache, paths.walkRecord, paths.xattrRecord, paths.verdict]) {
    const moved = moveAsideUnlessRegular(fixed);
    if (moved) done.push(moved);
  }
  const recovered = recoverHold(paths);
  if (recovered) done.push(recovered);
  const names = fs.readdirSync(paths.imagesDir);
  const replayed = replayJournal(paths, imageFileNames(paths, names));
  if (replayed) done.push(replayed);
  const targets = new Set(
    [...imageFileNames(paths, names), ...imageFileNames(paths, names).map(statePath), paths.checksumCache, paths.walkRecord, paths.xattrRecord, paths.verdict, journalPath(paths)].map((t) => path.basename(t)),
  );
  const imageName = path.basename(paths.image).slice(0, -'.img'.length).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const manifest = new RegExp(`^\\.${imageName}\\.g\\d+\\.manifest\\.gz$`);
  for (const file of imageFileNames(paths, names).slice(2)) {
    if (!fs.existsSync(file) && fs.existsSync(statePath(file))) {
      fs.rmSync(statePath(file));
      done.push(`removed ${statePath(file)}, whose image was pruned`);
    }
  }
  const leftovers = [...tempsIn(paths.imagesDir, (name) => targets.has(name) || manifest.test(name)), ...(names.includes(path.basename(paths.tmp)) ? [paths.tmp] : [])];
  for (const file of leftovers) {
    fs.rmSync(file, { force: true });
    done.push(`removed ${file}`);
  }
  return done;
}
