// One table of C-locale classes serves glibc-exact excludes and the kernel patterns' RegExps: both readings must agree on every byte.
import assert from 'node:assert/strict';
import { C_CLASSES, cClass, cClassSource } from '../../src/match/c-locale.js';
import { translateBracket } from '../../src/kernel/bracket.js';

describe('C locale classes', () => {
  for (const [name, test] of Object.entries(C_CLASSES)) {
    it(`[:${name}:] as a RegExp class matches exactly the bytes the predicate accepts`, () => {
      const bracket = translateBracket([...`[[:${name}:]]`], 0, { negators: '^', backslash: 'rejected' });
      assert.ok(bracket, name);
      const regexp = new RegExp(`^${bracket.source}$`, 'u');
      for (let c = 0; c < 0x100; c++) assert.equal(regexp.test(String.fromCharCode(c)), test(c), `${name} byte 0x${c.toString(16)}`);
    });
  }

  it('knows the twelve POSIX classes and nothing else, not even prototype keys', () => {
    assert.deepEqual(Object.keys(C_CLASSES).sort(), ['alnum', 'alpha', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'xdigit']);
    for (const name of ['constructor', 'toString', '__proto__', 'word']) assert.equal(cClass(name), undefined, name);
    assert.throws(() => translateBracket([...'[[:constructor:]]'], 0, { negators: '^', backslash: 'rejected' }), /unknown character class \[:constructor:\]/);
  });

  it('writes ranges of consecutive bytes', () => {
    assert.equal(cClassSource(C_CLASSES.digit!), '\\x30-\\x39');
    assert.equal(cClassSource(C_CLASSES.blank!), '\\x09\\x20');
  });
});
