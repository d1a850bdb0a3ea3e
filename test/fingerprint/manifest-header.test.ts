// The manifest's header is hashed into every fingerprint and decides whether two manifests compare: it is written and read by one module, from its schema.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { computeFingerprint } from '../../src/fingerprint/fingerprint.js';
import { diffManifests, readLines, UnreadableManifestError } from '../../src/fingerprint/manifest.js';
import { FINGERPRINT_FORMAT, headerLine, readHeader } from '../../src/fingerprint/manifest-header.js';
import { compileExcludes } from '../../src/match/exclude-matcher.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

describe('the manifest header (schemas/formats/manifest_header.schema.json)', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await scratchDir('manifest-header-');
    fs.mkdirSync(path.join(scratch, 'tree/etc'), { recursive: true });
    fs.writeFileSync(path.join(scratch, 'tree/etc/motd'), 'hello\n');
  });
  afterEach(async () => {
    await removeScratch(scratch);
  });

  /** A real manifest of the tree in `mode`. */
  const manifest = async (mode: 'mtime' | 'checksum', name: string): Promise<string> => {
    const file = path.join(scratch, name);
    await computeFingerprint({ sources: [{ root: path.join(scratch, 'tree') }], matcher: compileExcludes([]), mode, manifestFile: file, xattrs: null, overlay: true, clock: () => Date.now() + 60_000 });
    return file;
  };

  it('keeps the text recorded fingerprints cover, and reads back what it writes', async () => {
    assert.equal(headerLine('mtime'), 'ltsp-image-fingerprint 1 mode=mtime');
    assert.equal(FINGERPRINT_FORMAT, 'ltsp-image-fingerprint 1');
    for (const mode of ['mtime', 'checksum'] as const) {
      const [first] = (await readLines(await manifest(mode, `${mode}.gz`)).next()).value as string[];
      assert.equal(first, headerLine(mode));
      assert.deepEqual(readHeader(first!), { format: FINGERPRINT_FORMAT, mode });
    }
  });

  it('reads another format, another mode or no header as none', () => {
    for (const line of ['ltsp-image-fingerprint 2 mode=mtime', 'ltsp-image-fingerprint 1 mode=size', 'ltsp-image-fingerprint 1', 'etc/motd\t0123456789abcdef', '']) {
      assert.equal(readHeader(line), null, line);
    }
  });

  it('compares manifests of one format and mode only: anything else is a drift it cannot tell', async () => {
    const mtime = await manifest('mtime', 'a.gz');
    assert.deepEqual((await diffManifests(mtime, await manifest('mtime', 'b.gz'))).modified.count, 0);
    await assert.rejects(diffManifests(mtime, await manifest('checksum', 'c.gz')), (error) => error instanceof UnreadableManifestError && /header/.test(error.message));
  });
});
