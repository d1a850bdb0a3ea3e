// The image's superblock time comes from the source unless the user chose one: otherwise two builds of one source differ.
import assert from 'node:assert/strict';
import { mksquashfsArgv, squashCommand, withSourceTime } from '../../src/squashfs/command.js';

const timeOf = (params: string[]) => {
  const argv = mksquashfsArgv(withSourceTime(squashCommand([], '/src', '/out.img', '/ex', params), 1_700_000_123));
  return argv.filter((_word, i) => argv[i - 1] === '-mkfs-time' || argv[i - 1] === '-fstime');
};

describe('the image time', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.SOURCE_DATE_EPOCH;
    delete process.env.SOURCE_DATE_EPOCH;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });

  it('is the source time by default', () => assert.deepEqual(timeOf([]), ['1700000123']));
  it('is the user’s with -mkfs-time or -fstime, given once', () => {
    assert.deepEqual(timeOf(['-mkfs-time', '5']), ['5']);
    assert.deepEqual(timeOf(['-fstime', '6']), ['6']);
  });
  it('is still the source time with -all-time, which dates the files and not the superblock', () => {
    assert.deepEqual(timeOf(['-all-time', '7']), ['1700000123']);
  });
  it('is left to mksquashfs when SOURCE_DATE_EPOCH is set', () => {
    process.env.SOURCE_DATE_EPOCH = '8';
    assert.deepEqual(timeOf([]), []);
  });
});
