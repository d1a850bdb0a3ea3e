// A drift names at most DRIFT_PATHS paths of each kind, however it is taken (ltsp_image, ltsp_image_info), and the docs say that number.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ltspImageSchema } from '../../src/generated/ltsp_image.js';
import { DRIFT_PATHS } from '../../src/fingerprint/manifest.js';
import { manifestDrift } from '../../src/fingerprint/sources.js';

describe('manifestDrift: the paths it names', () => {
  it(`names the first ${DRIFT_PATHS} modified paths and counts them all`, async () => {
    const disks = Array.from({ length: DRIFT_PATHS + 5 }, (_, i) => `/srv/disk${i}.img\t${i}`);
    const drift = await manifestDrift({
      oldManifest: path.join('/nonexistent', 'old.gz'),
      newManifest: path.join('/nonexistent', 'new.gz'),
      oldIdentities: [],
      newIdentities: disks,
      signal: new AbortController().signal,
      warn: (m) => assert.fail(m),
    });
    assert.equal(drift?.modified, DRIFT_PATHS + 5);
    assert.equal(drift?.modified_paths.length, DRIFT_PATHS);
  });

  it('is the number the result docs give', () => {
    const result = (ltspImageSchema.definitions as unknown as { result: { properties: { drift: { description: string } } } }).result;
    assert.match(result.properties.drift.description, new RegExp(`the first ${DRIFT_PATHS} of each`));
  });
});
