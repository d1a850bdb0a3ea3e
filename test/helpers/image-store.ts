// Checks an images dir the way a crash-consistency test needs: every state file describes the file beside it, generations differ, nothing stray is left.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

interface Record {
  generation: number;
  image: { ino: number; size: number };
}

/** The generation recorded for each image file of NAME in dir (null: no state file). */
export function recordedGenerations(dir: string, name: string): Map<string, number | null> {
  const images = fs.readdirSync(dir).filter((n) => n === `${name}.img` || n === `${name}.img.old` || new RegExp(`^${name}\\.img\\.\\d+$`).test(n));
  const found = new Map<string, number | null>();
  for (const file of images.sort()) {
    const full = path.join(dir, file);
    const stateFile = `${full}.json`;
    if (!fs.existsSync(stateFile)) {
      found.set(file, null);
      continue;
    }
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record;
    const stat = fs.statSync(full);
    assert.equal(state.image.ino, stat.ino, `${file}.json describes another file (generation ${state.generation})`);
    assert.equal(state.image.size, stat.size);
    found.set(file, state.generation);
  }
  return found;
}

/**
 * Every image has its own record, no two images claim the same generation, no state file lacks its image,
 * and no temp file, hold link or journal is left.
 */
export function assertConsistentStore(dir: string, name: string): Map<string, number | null> {
  const generations = recordedGenerations(dir, name);
  for (const [file, generation] of generations) assert.notEqual(generation, null, `${file} has no state file`);
  const values = [...generations.values()];
  assert.equal(new Set(values).size, values.length, `two images claim one generation: ${JSON.stringify([...generations])}`);
  const names = fs.readdirSync(dir);
  for (const n of names.filter((n) => n.endsWith('.json') && n.startsWith(`${name}.img`))) {
    assert.ok(names.includes(n.slice(0, -'.json'.length)), `${n} has no image`);
  }
  const stray = names.filter((n) => /\.tmp$|\.swap$|\.journal\.json$/.test(n));
  assert.deepEqual(stray, [], 'stray files left in the images dir');
  return generations;
}
