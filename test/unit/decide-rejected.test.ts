// A state a boot check rejected is never published unchecked, by any run that follows: decide()'s rule, case by case.
import assert from 'node:assert/strict';
import { decide, type DecisionInput } from '../../src/image/decide.js';
import type { Verdict } from '../../src/store/verdict.js';

const REJECTED: Verdict = { format: 'ltsp-image-verdict/1', fingerprint: 'f1', configHash: 'c1', at: '2026-12-06T02:00:00.000Z', ended: 'kernel panic: x' };

function input(extra: Partial<DecisionInput> = {}): DecisionInput {
  return {
    force: false,
    freeze: false,
    files: { active: null, backup: null, older: [], problems: [] },
    config: {} as DecisionInput['config'],
    configHash: 'c1',
    fingerprint: 'f1',
    legacyFingerprint: 'f1',
    unlinkedFingerprint: 'f1',
    imageSha256: null,
    kernelInPlace: null,
    bootCheck: false,
    rejected: REJECTED,
    ...extra,
  };
}

describe('decide: a state the boot check rejected', () => {
  it('is refused without a boot check, saying when, why and how to go on', () => {
    const decision = decide(input());
    assert.equal(decision.build, false);
    assert.equal(decision.reason, 'rejected');
    assert.equal(decision.pending, 'missing');
    assert.match(decision.why, /failed the boot check at 2026-12-06T02:00:00\.000Z \(kernel panic: x\).*boot_check: true.*force: true/);
  });

  it('is built again to be checked again with boot_check', () => {
    assert.deepEqual([decide(input({ bootCheck: true })).reason, decide(input({ bootCheck: true })).build], ['missing', true]);
  });

  it('is built and published with force', () => {
    assert.deepEqual([decide(input({ force: true })).reason, decide(input({ force: true })).build], ['forced', true]);
  });

  it('does not hold another source state or another configuration', () => {
    assert.equal(decide(input({ fingerprint: 'f2', legacyFingerprint: 'f2' })).reason, 'missing');
    assert.equal(decide(input({ configHash: 'c2' })).reason, 'missing');
    assert.equal(decide(input({ rejected: null })).reason, 'missing');
  });
});
