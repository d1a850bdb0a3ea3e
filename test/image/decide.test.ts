// decide() as a truth table: every input that matters, and the reason, action and "would have" it gives (the heart of idempotence).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decide, type Decision, type DecisionInput } from '../../src/image/decide.js';
import { holdOf } from '../../src/info/inspect.js';
import type { Generation, ImageFiles } from '../../src/store/generations.js';
import { identityOf, type ImageState } from '../../src/store/state.js';
import type { Verdict } from '../../src/store/verdict.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const CONFIG = { compression: 'xz', excludes_sha256: 'e1' };

/** A real image file and its state, recorded with the file's identity as a build records it. */
function generation(dir: string, name: string, fields: Partial<ImageState>, recorded = true): Generation {
  const file = path.join(dir, name);
  fs.writeFileSync(file, name);
  const id = identityOf(file)!;
  const image = recorded ? id : { ...id, mtimeNs: '1' };
  const state = { generation: 1, fingerprint: 'f1', configHash: 'c1', config: CONFIG, xattrsCompared: true, linksCompared: true, image, ...fields } as ImageState;
  return { file, state, mtimeMs: Number(BigInt(id.mtimeNs) / 1000000n) };
}

function verdict(fingerprint: string, configHash: string): Verdict {
  return { format: 'ltsp-image-verdict/1', fingerprint, configHash, at: '2026-12-06T02:00:00.000Z', ended: 'kernel panic: x' };
}

interface Row {
  when: string;
  files: () => ImageFiles;
  input?: Partial<DecisionInput>;
  then: { reason: Decision['reason']; build: boolean; kernelOnly?: boolean; pending?: Decision['reason']; why?: RegExp; configChanges?: string[] };
}

describe('decide: the truth table', () => {
  let dir = '';
  before(async () => {
    dir = await scratchDir('decide-');
  });
  after(async () => {
    if (dir) await removeScratch(dir);
  });

  const none = (): ImageFiles => ({ active: null, backup: null, older: [], problems: [] });
  const built = (fields: Partial<ImageState> = {}, recorded = true): ImageFiles => ({ ...none(), active: generation(dir, 'a.img', fields, recorded) });
  /** After a revert: generation 1 active, the newer generation 2 (source f2, configuration c2 unless given) in the backup. */
  const reverted = (backup: Partial<ImageState> = {}): ImageFiles => ({
    ...built(),
    backup: generation(dir, 'a.img.old', { generation: 2, fingerprint: 'f2', configHash: 'c2', ...backup }),
  });
  /** Not a revert: the backup is the older build. */
  const published = (): ImageFiles => ({ ...none(), active: generation(dir, 'a.img', { generation: 2 }), backup: generation(dir, 'a.img.old', { generation: 1, fingerprint: 'f2' }) });

  const withSha256 = (files: ImageFiles, sha256: string): ImageFiles => {
    files.active!.state!.image.sha256 = sha256;
    return files;
  };

  const rows: Row[] = [
    { when: 'there is no image', files: none, then: { reason: 'missing', build: true, why: /no image yet/ } },
    { when: 'there is no image, forced', files: none, input: { force: true }, then: { reason: 'forced', build: true } },
    { when: 'there is no image, frozen (freeze keeps only what exists)', files: none, input: { freeze: true }, then: { reason: 'missing', build: true } },
    { when: 'nothing changed', files: built, then: { reason: 'up_to_date', build: false, kernelOnly: false } },
    { when: 'nothing changed, forced', files: built, input: { force: true }, then: { reason: 'forced', build: true } },
    { when: 'the image has no build record', files: () => ({ ...none(), active: { ...built().active!, state: null } }), then: { reason: 'image_replaced', build: true, why: /no build record/ } },
    { when: 'the image is not the recorded file', files: () => built({}, false), then: { reason: 'image_replaced', build: true, why: /size, time or inode differ/ } },
    { when: 'verify finds other content', files: () => withSha256(built(), 's1'), input: { imageSha256: 's2' }, then: { reason: 'image_replaced', build: true, why: /sha256/ } },
    { when: 'verify finds the recorded content', files: () => withSha256(built(), 's1'), input: { imageSha256: 's1' }, then: { reason: 'up_to_date', build: false } },
    { when: 'the image has no recorded sha256 to verify against', files: built, input: { imageSha256: 's2' }, then: { reason: 'up_to_date', build: false } },
    { when: 'the TFTP kernel differs', files: built, input: { kernelInPlace: false }, then: { reason: 'kernel', build: false, kernelOnly: true } },
    { when: 'the TFTP kernel is in place', files: built, input: { kernelInPlace: true }, then: { reason: 'up_to_date', build: false } },
    { when: 'the configuration changed', files: built, input: { configHash: 'c2', config: { ...CONFIG, compression: 'zstd' } as never }, then: { reason: 'config_changed', build: true, configChanges: ['compression'] } },
    { when: 'only the module format changed', files: built, input: { configHash: 'c2' }, then: { reason: 'config_changed', build: true, configChanges: [], why: /module format/ } },
    { when: 'the configuration and the source changed', files: built, input: { configHash: 'c2', fingerprint: 'f2' }, then: { reason: 'config_changed', build: true } },
    { when: 'the source changed', files: built, input: { fingerprint: 'f2' }, then: { reason: 'source_changed', build: true } },
    { when: 'the record predates xattrs and only they differ', files: () => built({ xattrsCompared: undefined }), input: { fingerprint: 'f2', earlierFingerprint: 'f1' }, then: { reason: 'config_changed', build: true, configChanges: ['extended_attributes'] } },
    { when: 'the record predates xattrs and the source changed too', files: () => built({ xattrsCompared: undefined }), input: { fingerprint: 'f2', earlierFingerprint: 'f3' }, then: { reason: 'source_changed', build: true } },
    { when: 'the record predates link groups and only they differ', files: () => built({ linksCompared: undefined }), input: { fingerprint: 'f2', earlierFingerprint: 'f1' }, then: { reason: 'config_changed', build: true, configChanges: ['hard_links'] } },
    { when: 'the record compares link groups already', files: built, input: { fingerprint: 'f2', earlierFingerprint: 'f1' }, then: { reason: 'source_changed', build: true } },
    { when: 'after a revert, the source and configuration are the newer build\'s', files: () => reverted({ configHash: 'c1' }), input: { fingerprint: 'f2' }, then: { reason: 'held', build: false, kernelOnly: false, why: /generation 2.*force: true/ } },
    { when: 'after a revert, the source is the newer build\'s but the configuration the active one\'s', files: reverted, input: { fingerprint: 'f2' }, then: { reason: 'source_changed', build: true } },
    { when: 'after a revert, source and configuration are the newer build\'s (both changed)', files: reverted, input: { fingerprint: 'f2', configHash: 'c2' }, then: { reason: 'held', build: false } },
    { when: 'after a revert, the source is the newer build\'s and the configuration a third one', files: reverted, input: { fingerprint: 'f2', configHash: 'c3' }, then: { reason: 'config_changed', build: true } },
    { when: 'after a revert, the source is the active build\'s', files: reverted, then: { reason: 'up_to_date', build: false } },
    { when: 'after a revert, the source changed again', files: reverted, input: { fingerprint: 'f3', configHash: 'c2' }, then: { reason: 'config_changed', build: true } },
    { when: 'after a revert, held but forced', files: reverted, input: { fingerprint: 'f2', configHash: 'c2', force: true }, then: { reason: 'forced', build: true } },
    { when: 'the backup is older (no revert) and the source is its own', files: published, input: { fingerprint: 'f2' }, then: { reason: 'source_changed', build: true } },
    { when: 'frozen, the source changed', files: built, input: { freeze: true, fingerprint: 'f2' }, then: { reason: 'frozen', build: false, pending: 'source_changed', why: /without it: source changed \(the source changed\)/ } },
    { when: 'frozen, the kernel differs', files: built, input: { freeze: true, kernelInPlace: false }, then: { reason: 'frozen', build: false, kernelOnly: false, pending: 'kernel' } },
    { when: 'frozen, nothing changed', files: built, input: { freeze: true }, then: { reason: 'frozen', build: false, pending: 'up_to_date', why: /nothing would have changed anyway/ } },
    { when: 'frozen and forced (freeze wins over force)', files: built, input: { freeze: true, force: true }, then: { reason: 'frozen', build: false, pending: 'forced' } },
    { when: 'frozen and held', files: reverted, input: { freeze: true, fingerprint: 'f2', configHash: 'c2' }, then: { reason: 'frozen', build: false, pending: 'held' } },
    { when: 'the boot check rejected this state', files: built, input: { fingerprint: 'f2', rejected: verdict('f2', 'c1') }, then: { reason: 'rejected', build: false, pending: 'source_changed', why: /failed the boot check at 2026-12-06T02:00:00\.000Z \(kernel panic: x\).*boot_check: true.*force: true/ } },
    { when: 'the boot check rejected this state and there is no image', files: none, input: { rejected: verdict('f1', 'c1') }, then: { reason: 'rejected', build: false, pending: 'missing' } },
    { when: 'the boot check rejected this state, which is built to be checked again', files: built, input: { fingerprint: 'f2', rejected: verdict('f2', 'c1'), bootCheck: true }, then: { reason: 'source_changed', build: true } },
    { when: 'the boot check rejected this state, forced', files: built, input: { fingerprint: 'f2', rejected: verdict('f2', 'c1'), force: true }, then: { reason: 'forced', build: true } },
    { when: 'the boot check rejected this state, frozen (rejected first)', files: built, input: { fingerprint: 'f2', rejected: verdict('f2', 'c1'), freeze: true }, then: { reason: 'rejected', build: false, pending: 'source_changed' } },
    { when: 'the boot check rejected another source state', files: built, input: { fingerprint: 'f2', rejected: verdict('f3', 'c1') }, then: { reason: 'source_changed', build: true } },
    { when: 'the boot check rejected another configuration', files: built, input: { fingerprint: 'f2', rejected: verdict('f2', 'c9') }, then: { reason: 'source_changed', build: true } },
    { when: 'the boot check rejected the image that is up to date', files: built, input: { rejected: verdict('f1', 'c1') }, then: { reason: 'up_to_date', build: false } },
  ];

  // ltsp_image_info judges the hold for a run with the active image's recorded configuration, the one its drift check scans with.
  for (const backupConfig of ['c1', 'c2']) {
    it(`ltsp_image_info says held exactly when ltsp_image would (newer build's configuration ${backupConfig}, active c1)`, () => {
      const files = reverted({ configHash: backupConfig });
      const decision = decide({ force: false, freeze: false, files, config: CONFIG as never, configHash: 'c1', fingerprint: 'f2', earlierFingerprint: null, imageSha256: null, kernelInPlace: null, bootCheck: false, rejected: null });
      assert.equal(holdOf(files, 'f2').held, decision.reason === 'held', `ltsp_image: ${decision.reason}`);
      assert.equal(decision.reason, backupConfig === 'c1' ? 'held' : 'source_changed');
    });
  }

  for (const row of rows) {
    it(`${row.when}: ${row.then.reason}${row.then.build ? ', build' : ''}`, () => {
      const input: DecisionInput = {
        force: false,
        freeze: false,
        files: row.files(),
        config: CONFIG as never,
        configHash: 'c1',
        fingerprint: 'f1',
        earlierFingerprint: null,
        imageSha256: null,
        kernelInPlace: null,
        bootCheck: false,
        rejected: null,
        ...row.input,
      };
      const decision = decide(input);
      const { why, configChanges, ...then } = row.then;
      const got = { reason: decision.reason, build: decision.build, ...('kernelOnly' in then ? { kernelOnly: decision.kernelOnly } : {}), ...('pending' in then ? { pending: decision.pending } : {}) };
      assert.deepEqual(got, then, decision.why);
      if (why) assert.match(decision.why, why);
      if (configChanges) assert.deepEqual(decision.configChanges, configChanges);
    });
  }
});
