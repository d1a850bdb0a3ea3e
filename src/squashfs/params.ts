// Which mksquashfs parameters a user may add: an allowlist of the options of mksquashfs 4.5 and 4.6 that only change how the source is compressed and laid out, each value checked; anything else is refused, saying why.
import { ModuleError } from '../core/errors.js';
import { checkExcludePath } from './param-excludes.js';
import { COMPRESSOR_OPTIONS, COMPRESSORS, DEFAULT_BLOCK_SIZE, blockSize, bytes, id, integer, memory, mode, oneOf, time, type ParamContext, type ValueCheck } from './param-values.js';

interface Allowed {
  /** The check of the value that follows the option, or null for a flag. */
  value: ValueCheck | null;
  /** Sets an owner, time or mode on every entry or on the root: the image is read through the overlay, as the direct read cannot vouch that pseudo files get them too. */
  overlayOnly?: true;
}

const flag: Allowed = { value: null };
const forced = (value: ValueCheck | null): Allowed => ({ value, overlayOnly: true });

const ALLOWED: Record<string, Allowed> = {
  '-comp': { value: oneOf(COMPRESSORS) },
  '-b': { value: blockSize },
  ...Object.fromEntries(
    ['-noI', '-noInodeCompression', '-noId', '-noIdTableCompression', '-noD', '-noDataCompression', '-noF', '-noFragmentCompression', '-noX', '-noXattrCompression'].map((o) => [o, flag]),
  ),
  ...Object.fromEntries(['-no-fragments', '-always-use-fragments', '-tailends', '-no-tailends', '-no-duplicates', '-no-hardlinks'].map((o) => [o, flag])),
  ...Object.fromEntries(['-xattrs', '-no-xattrs', '-exports', '-no-exports', '-no-sparse', '-reproducible', '-exit-on-error', '-no-recovery'].map((o) => [o, flag])),
  '-mkfs-time': { value: time },
  '-fstime': { value: time },
  '-processors': { value: integer(1, 4096) },
  '-mem': { value: memory },
  '-throttle': { value: integer(0, 99) },
  '-limit': { value: integer(1, 100) },
  '-all-root': forced(null),
  '-root-owned': forced(null),
  '-all-time': forced(time),
  '-force-uid': forced(id),
  '-force-gid': forced(id),
  '-root-time': forced(time),
  '-root-mode': forced(mode),
  '-root-uid': forced(id),
  '-root-gid': forced(id),
};

/** Why each option mksquashfs has but the module refuses is refused; the module's own options come first. */
const REFUSED: [string[], string][] = [
  [['-noappend', '-ef', '-wildcards', '-regex'], 'is set by the module itself'],
  [['-p', '-pf', '-pd', '-pds', '-pseudo-override'], 'defines pseudo files, which can run commands as root and add files from outside the source'],
  [['-action', '-log-action', '-true-action', '-false-action'], "runs an action on every file: its exec() test runs a command through /bin/sh as root, and its other actions change or drop files in ways the module's change detection and direct read do not follow"],
  [['-sort', '-action-file', '-log-action-file', '-true-action-file', '-false-action-file'], 'reads another file, whose lines mksquashfs would repeat in its messages'],
  [['-tar', '-cpiostyle', '-cpiostyle0', '-tarstyle', '-no-strip', '-ignore-zeros', '-default-mode', '-default-uid', '-default-gid'], 'takes the image content from stdin or changes its paths, not from the source tree'],
  [['-o', '-offset', '-root-becomes', '-keep-as-directory', '-recover', '-recovery-path'], 'changes where the image is written or what its root is, so clients could not boot it'],
  [['-one-file-system', '-one-file-system-x', '-max-depth', '-xattrs-exclude', '-xattrs-include', '-xattrs-add'], "changes what of the source the image holds, which the module's change detection would not see"],
  [['-quiet', '-info', '-no-progress', '-progress', '-percentage', '-info-file'], "changes mksquashfs's output, from which the module reads its progress (the module shows none of it unless a person watches)"],
  [['-not-reproducible'], 'makes two builds of one source differ, and the module promises byte-identical images'],
  [['-nopad'], 'leaves the image unpadded, which mksquashfs itself warns may make it unmountable'],
  [['-version', '-help', '-h', '-Xhelp', '-help-all', '-help-comp', '-help-option', '-help-section', '-mem-default'], 'makes mksquashfs exit without writing an image'],
];

const ALLOWED_LIST = `${Object.keys(ALLOWED).join(', ')}, the -X options of the chosen compressor, and -e PATH... at the end`;

const fail = (what: string): never => {
  throw new ModuleError(`Option mksquashfs_params: ${what}`);
};

/** The -X option's check, whichever compressor has it (undefined: no compressor has it). */
function compressorOption(option: string): ValueCheck | null | undefined {
  for (const options of Object.values(COMPRESSOR_OPTIONS)) if (option in options) return options[option];
  return undefined;
}

function allowed(option: string): Allowed {
  if (!option.startsWith('-')) return fail(`${JSON.stringify(option)} is not an option (options start with -, each value follows its option); remove it`);
  const refused = REFUSED.find(([options]) => options.includes(option));
  if (refused) return fail(`${option} ${refused[1]}; remove it`);
  const x = compressorOption(option);
  if (x !== undefined) return { value: x };
  return ALLOWED[option] ?? fail(`${option} is not one of the options the module passes to mksquashfs, those that only change how the source is compressed and laid out (${ALLOWED_LIST}); remove it`);
}

export interface CheckedParams {
  /** What mksquashfs is given: the user's options, less -e and its paths. */
  params: string[];
  /** The paths after -e: they join the image's excludes, so the change detection and the direct read leave them out too. */
  excludes: string[];
}

/** Splits the user's words into options and their values (a value is never read as an option), checks each, and takes -e's paths out. */
export function checkParams(words: readonly string[]): CheckedParams {
  const pairs: [string, string | undefined][] = [];
  let at = 0;
  while (at < words.length && words[at] !== '-e') {
    const option = words[at]!;
    const rule = allowed(option);
    if (rule.value && at + 1 >= words.length) fail(`${option} needs a value after it`);
    pairs.push([option, rule.value ? words[at + 1] : undefined]);
    at += rule.value ? 2 : 1;
  }
  const excludes = words.slice(at + 1);
  if (at < words.length && excludes.length === 0) fail('-e needs at least one path after it (image-relative, such as var/cache/foo)');
  excludes.forEach((p) => checkExcludePath(p, fail));
  const checkValue = (option: string, value: string | undefined, context: ParamContext) => {
    const check = allowed(option).value;
    const wrong = check && value !== undefined ? check(value, context) : null;
    if (wrong) fail(`${option} takes ${wrong}, got ${JSON.stringify(value)}; give such a value`);
  };
  // The compressor and block size first: the -X options' values depend on them.
  const general = pairs.filter(([o]) => !o.startsWith('-X'));
  if (general.some(([o, v]) => o === '-comp' && v === 'lzma')) fail(`-comp lzma makes an image no Linux kernel can mount (no lzma squashfs support); use one of ${COMPRESSORS.join(', ')}`);
  for (const [option, value] of general) checkValue(option, value, { compressor: 'gzip', blockSize: DEFAULT_BLOCK_SIZE });
  const compressors = [...new Set(general.filter(([o]) => o === '-comp').map(([, v]) => v!))];
  if (compressors.length > 1) fail(`-comp is given as ${compressors.join(' and ')}; give one compressor`);
  const compressor = compressors[0] ?? 'gzip';
  const size = general.filter(([o]) => o === '-b').at(-1)?.[1];
  const context = { compressor, blockSize: size === undefined ? DEFAULT_BLOCK_SIZE : bytes(size, 'km')! };
  const own = COMPRESSOR_OPTIONS[compressor]!;
  for (const [option, value] of pairs.filter(([o]) => o.startsWith('-X'))) {
    if (!(option in own)) {
      fail(`${option} is not an option of the ${compressor} compressor (${Object.keys(own).join(', ')}); remove it or choose the compressor that has it with -comp`);
    }
    checkValue(option, value, context);
  }
  const algorithm = pairs.filter(([o]) => o === '-Xalgorithm').at(-1)?.[1] ?? 'lzo1x_999';
  if (compressor === 'lzo' && algorithm !== 'lzo1x_999' && pairs.some(([o]) => o === '-Xcompression-level')) {
    fail(`-Xcompression-level applies only to lzo's lzo1x_999 algorithm, not ${algorithm}; remove one of them`);
  }
  return { params: words.slice(0, at), excludes };
}

/** Whether the params set an owner, time or mode on every entry or on the root, so the image must be read through the overlay. */
export function forcesOverlay(params: readonly string[]): boolean {
  return params.some((p) => ALLOWED[p]?.overlayOnly === true);
}

/** Whether mksquashfs stores xattrs with these parameters: it does by default, and the last of -xattrs and -no-xattrs wins. */
export function storesXattrs(params: readonly string[]): boolean {
  return params.filter((p) => p === '-xattrs' || p === '-no-xattrs').pop() !== '-no-xattrs';
}

/** Every option users may give, the compressors' -X options and -e included, for the test that builds each on both routes. */
export const ALLOWED_OPTIONS: readonly string[] = [...Object.keys(ALLOWED), ...new Set(Object.values(COMPRESSOR_OPTIONS).flatMap((o) => Object.keys(o))), '-e'];
