// The xattr record's file (fingerprint/xattr-record.ts): its head is checked against schemas/formats/xattr_record.schema.json, and any record that fails, of whatever format, is none.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Entry } from '../../src/fingerprint/entry.js';
import { XattrGate } from '../../src/fingerprint/xattr-gate.js';
import { readRecord } from '../../src/fingerprint/xattr-record.js';
import validateHead from '../../src/generated/formats/xattr_record.validate.js';
import { PROJECT_ROOT, removeScratch, scratchDir } from '../helpers/tmp.js';

/** A record as the format before JSON heads (5) wrote it, with key 'k': entries 2, 12 and 300 of device 7 (2 and 300 with digests), 5 of device 9. */
const FORMAT_5 = path.join(PROJECT_ROOT, 'test/fixtures/xattrs/format-5.xattrs');

const entry = (dev: number, ino: number, ctimeSec: number, ctimeNsec: number): Entry => new Entry(`f${ino}`, 'f', 0o644, 0, 0, 1, 0, 0, ctimeSec, ctimeNsec, dev, ino, '');
/** The entries of the format-5 fixture, with their digests. */
const FIXTURE_ENTRIES: Array<[Entry, string | undefined]> = [
  [entry(7, 300, 100, 5), 'd300'],
  [entry(7, 12, 200, 0), undefined],
  [entry(7, 2, 300, 999_999_999), `oM${'a'.repeat(64)}.`],
  [entry(9, 5, 100, 1), undefined],
];
const NOW = 20_000_000;

/** The head of a record file, and where its binary columns start. */
function split(bytes: Buffer): { head: Record<string, unknown>; lines: string; columns: Buffer } {
  const end = bytes.indexOf('\n\n');
  const [json = '', ...lines] = bytes.toString('latin1', 0, end).split('\n');
  return { head: JSON.parse(json) as Record<string, unknown>, lines: lines.join('\n'), columns: bytes.subarray(Math.ceil((end + 2) / 8) * 8) };
}

describe('the xattr record file (fingerprint/xattr-record.ts)', () => {
  let scratch = '';
  before(async () => (scratch = await scratchDir('xattr-record-')));
  after(async () => scratch && (await removeScratch(scratch)));

  /** A record of the fixture's entries, written by a walk at NOW, as a new file. */
  const written = (name: string): string => {
    const file = path.join(scratch, name);
    const gate = new XattrGate(null, 'k', NOW);
    for (const [e, digest] of FIXTURE_ENTRIES) gate.note(e, digest);
    gate.commit(file);
    return file;
  };
  /** The record `file` holds, its head edited: the text and columns laid out again as the writer does. */
  const edited = (file: string, name: string, edit: (head: Record<string, unknown>) => unknown): string => {
    const { head, lines, columns } = split(fs.readFileSync(file));
    const text = Buffer.from(`${JSON.stringify(edit(head))}\n${lines}\n\n`, 'latin1');
    const out = path.join(scratch, name);
    fs.writeFileSync(out, Buffer.concat([text, Buffer.alloc(Math.ceil(text.length / 8) * 8 - text.length), columns]));
    return out;
  };
  /** Whether the walk reading `file` would read every entry's xattrs. */
  const readsAll = (file: string): boolean => FIXTURE_ENTRIES.every(([e]) => new XattrGate(readRecord(file, 'k'), 'k', NOW).known(e) === 'read');

  it('reads back what a walk wrote, under a head the schema accepts', () => {
    const file = written('round-trip');
    const { head } = split(fs.readFileSync(file));
    assert.ok(validateHead(head), JSON.stringify(validateHead.errors));
    assert.deepEqual(head, { format: 'ltsp-image-xattrs 6', key: 'k', walkStarted: NOW, devices: [{ dev: 7, entries: 3 }, { dev: 9, entries: 1 }], digests: 2 });
    const record = readRecord(file, 'k');
    assert.ok(record);
    assert.deepEqual([...record.seen.get(7)!.inos], [2, 12, 300], 'sorted by inode');
    assert.deepEqual([...record.seen.get(7)!.nsecs], [999_999_999, 0, 5, 0]);
    assert.deepEqual([...record.digests].sort(), [['7 2', `oM${'a'.repeat(64)}.`], ['7 300', 'd300']]);
    const gate = new XattrGate(record, 'k', NOW);
    for (const [e, digest] of FIXTURE_ENTRIES) assert.equal(gate.known(e), digest);
    assert.equal(readRecord(file, 'other sources'), null, 'a record of other sources is none');
    assert.notEqual(readRecord(edited(file, 'same', (h) => h), 'k'), null, 'a head laid out again by this test still reads');
  });

  it('reads as no record when truncated, in its head, its digest lines or its columns, or when longer than its head says', () => {
    const file = written('whole');
    const bytes = fs.readFileSync(file);
    const end = bytes.indexOf('\n\n');
    for (const [name, cut] of [['in the head', 30], ['in the digest lines', end - 3], ['before the empty line', end + 1], ['in the columns', bytes.length - 8]] as const) {
      fs.writeFileSync(path.join(scratch, 'cut'), bytes.subarray(0, cut));
      assert.equal(readRecord(path.join(scratch, 'cut'), 'k'), null, name);
      assert.ok(readsAll(path.join(scratch, 'cut')), name);
    }
    fs.writeFileSync(path.join(scratch, 'long'), Buffer.concat([bytes, Buffer.alloc(8)]));
    assert.equal(readRecord(path.join(scratch, 'long'), 'k'), null);
  });

  it('reads as no record a head the schema refuses, of another format or one other than its digest lines', () => {
    const file = written('valid');
    const refused: Array<[string, (h: Record<string, unknown>) => unknown]> = [
      ['a later format', (h) => ({ ...h, format: 'ltsp-image-xattrs 7' })],
      ['a field it does not know', (h) => ({ ...h, more: 1 })],
      ['a device number that is text', (h) => ({ ...h, devices: [{ dev: '7', entries: 3 }, { dev: 9, entries: 1 }] })],
      ['a walk time that is no number', (h) => ({ ...h, walkStarted: 'yesterday' })],
      ['no devices', ({ devices: _, ...h }) => h],
      ['a list, not an object', (h) => [h]],
      ['more digest lines than it says', (h) => ({ ...h, digests: 1 })],
    ];
    for (const [name, edit] of refused) {
      const bad = edited(file, 'bad', edit);
      assert.equal(readRecord(bad, 'k'), null, name);
      assert.ok(readsAll(bad), name);
    }
  });

  it('reads a record of format 5 as none, and the next walk replaces it with one of format 6', () => {
    const file = path.join(scratch, 'old.xattrs');
    fs.copyFileSync(FORMAT_5, file);
    const old = readRecord(file, 'k');
    assert.equal(old, null);
    const gate = new XattrGate(old, 'k', NOW);
    for (const [e, digest] of FIXTURE_ENTRIES) {
      assert.equal(gate.known(e), 'read');
      gate.note(e, digest);
    }
    gate.commit(file);
    const { head } = split(fs.readFileSync(file));
    assert.equal(head.format, 'ltsp-image-xattrs 6');
    assert.ok(validateHead(head));
    const next = new XattrGate(readRecord(file, 'k'), 'k', NOW);
    for (const [e, digest] of FIXTURE_ENTRIES) assert.equal(next.known(e), digest);
  });
});
