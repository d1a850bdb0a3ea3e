// Checks the values of the mksquashfs options users may give, as mksquashfs 4.5 and 4.6 both accept them, so a bad one fails before anything is built.
import os from 'node:os';

/** Why a value is wrong (what mksquashfs wants instead), or null when it is good. */
export type ValueCheck = (value: string, context: ParamContext) => string | null;

/** What other options say that a value depends on. */
export interface ParamContext {
  compressor: string;
  blockSize: number;
}

export const DEFAULT_BLOCK_SIZE = 128 * 1024;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A decimal count with an optional K/M(/G) suffix, in bytes; null when it is not one. */
export function bytes(value: string, suffixes: string): number | null {
  const match = new RegExp(`^(\\d{1,12})([${suffixes}]?)$`, 'i').exec(value);
  return match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : null;
}

export const integer =
  (low: number, high: number): ValueCheck =>
  (value) =>
    /^\d{1,10}$/.test(value) && Number(value) >= low && Number(value) <= high ? null : `a whole number from ${low} to ${high}`;

export const oneOf =
  (names: readonly string[]): ValueCheck =>
  (value) =>
    names.includes(value) ? null : `one of ${names.join(', ')}`;

export const listOf =
  (names: readonly string[]): ValueCheck =>
  (value) =>
    value.split(',').every((item) => names.includes(item)) ? null : `a comma-separated list of ${names.join(', ')}`;

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export const blockSize: ValueCheck = (value) => {
  const size = bytes(value, 'km');
  return size !== null && isPowerOfTwo(size) && size >= 4096 && size <= 1024 ** 2 ? null : 'a power of two from 4K to 1M (e.g. 4K, 128K, 1M)';
};

/** mksquashfs refuses less than 16M and more than 75% of the machine's memory. */
export const memory: ValueCheck = (value) => {
  const size = bytes(value, 'kmg');
  const most = Math.floor((os.totalmem() * 3) / 4);
  return size !== null && size >= 16 * 1024 ** 2 && size <= most ? null : `a size from 16M to ${Math.floor(most / 1024 ** 2)}M (75% of this machine's memory), with a K, M or G suffix`;
};

/** A squashfs time: seconds since 1970 in 32 bits (mksquashfs 4.6 would also hand a date string to date(1)). */
export const time: ValueCheck = integer(0, 2 ** 32 - 1);

export const mode: ValueCheck = (value) => (/^0?[0-7]{1,4}$/.test(value) ? null : 'an octal mode of at most 07777, such as 755');

/** Numbers only: mksquashfs would look a name up in the build host's accounts, which say nothing about the image's. */
export const id: ValueCheck = integer(0, 2 ** 32 - 1);

/**
 * xz's dictionary: bytes (K/M suffix) or a percentage of the block size, from 8K to the block size, and
 * 2^n or 2^n+2^(n+1) bytes, as xz_wrapper.c checks it.
 */
export const dictSize: ValueCheck = (value, { blockSize: block }) => {
  const percent = /^(\d{1,3}(?:\.\d{1,6})?)%$/.exec(value);
  const size = percent ? Math.floor((block * Number(percent[1])) / 100) : bytes(value, 'km');
  const want = `8K or more, at most the block size (${block / 1024}K), and 2^n or 3*2^n bytes (e.g. 100%, 75%, 50%, 32K)`;
  if (size === null || (percent && (Number(percent[1]) <= 0 || Number(percent[1]) > 100))) return want;
  const low = size & -size;
  return size >= 8192 && size <= block && (size === low || size === low * 3) ? null : want;
};

/** Each compressor's -X options and their value's check (null: a flag without a value), as mksquashfs 4.5.1 -help-all lists them. */
export const COMPRESSOR_OPTIONS: Record<string, Record<string, ValueCheck | null>> = {
  gzip: {
    '-Xcompression-level': integer(1, 9),
    '-Xwindow-size': integer(8, 15),
    '-Xstrategy': listOf(['default', 'filtered', 'huffman_only', 'run_length_encoded', 'fixed']),
  },
  lzo: {
    '-Xalgorithm': oneOf(['lzo1x_1', 'lzo1x_1_11', 'lzo1x_1_12', 'lzo1x_1_15', 'lzo1x_999']),
    '-Xcompression-level': integer(1, 9),
  },
  lz4: { '-Xhc': null },
  xz: { '-Xbcj': listOf(['x86', 'arm', 'armthumb', 'powerpc', 'sparc', 'ia64']), '-Xdict-size': dictSize },
  zstd: { '-Xcompression-level': integer(1, 22) },
};

/** The compressors a Linux client can mount (lzma squashfs has no kernel support). */
export const COMPRESSORS = Object.keys(COMPRESSOR_OPTIONS);
