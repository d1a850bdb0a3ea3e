// The command line's pieces on their own: telling a person from Ansible, getopt-style parsing, the help text, and reading mksquashfs's bar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { flagTable } from '../../src/cli/flags.js';
import { helpText, plain } from '../../src/cli/help.js';
import { isCommandLine } from '../../src/cli/mode.js';
import { parseCommandLine, UsageError } from '../../src/cli/parse.js';
import { bar, clock, glyphs } from '../../src/cli/terminal.js';
import { ltspImageSchema } from '../../src/generated/ltsp_image.js';
import { ltspImageInfoSchema } from '../../src/generated/ltsp_image_info.js';
import { fromSchema } from '../../src/runtime/definition.js';
import { ProgressReader } from '../../src/squashfs/progress.js';
import { inFlagTerms } from '../../src/cli/wording.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const table = flagTable(fromSchema(ltspImageSchema).optionsSchema);
const parse = (...argv: string[]) => parseCommandLine(argv, table, 'ltsp_image');

describe('command line: who is calling', () => {
  let dir = '';
  before(async () => {
    dir = await scratchDir('ltsp-cli-mode-');
  });
  after(() => removeScratch(dir));

  it("Ansible's args file, JSON on stdin and - are the module protocol", () => {
    const args = path.join(dir, 'args');
    fs.writeFileSync(args, '\uFEFF\n  {"name": "x86_64"}');
    assert.equal(isCommandLine([args], false), false);
    assert.equal(isCommandLine([args], true), false);
    assert.equal(isCommandLine([], false), false);
    assert.equal(isCommandLine(['-'], true), false);
  });

  it('flags, image names, paths, a disk image file and no arguments at a terminal are a person', () => {
    const disk = path.join(dir, 'vm.img');
    fs.writeFileSync(disk, Buffer.alloc(4096));
    assert.equal(isCommandLine([disk], false), true);
    assert.equal(isCommandLine(['x86_64'], false), true);
    assert.equal(isCommandLine(['/'], false), true, '/ is the chrootless image, not a directory of args');
    assert.equal(isCommandLine(['/nonexistent/args'], false), true);
    assert.equal(isCommandLine(['--help'], false), true);
    assert.equal(isCommandLine([], true), true);
    assert.equal(isCommandLine([path.join(dir, 'args'), 'x86_64'], false), true);
  });
});

describe('command line: parsing', () => {
  it('takes values the ways getopt does: -b 0, -b0, --backup=0, --backup 0', () => {
    for (const argv of [['-b', '0'], ['-b0'], ['--backup=0'], ['--backup', '0']]) {
      assert.deepEqual(parse(...argv, 'x86_64').options, { backup: false }, argv.join(' '));
    }
    assert.deepEqual(parse('-c', 'yes', 'a').options, { cleanup: true });
  });

  it('switches take no value, --no-X turns a default-on one off, and the last one wins', () => {
    assert.deepEqual(parse('--force', '--no-kernel', '--verify=0', 'a').options, { force: true, kernel: false, verify: false });
    assert.deepEqual(parse('-b', '0', '-b', '1', 'a').options, { backup: true });
  });

  it('keeps an empty -i (no prefix) and a -m that starts with a dash', () => {
    assert.deepEqual(parse('-i', '', '-m', '-comp xz -b 1M', 'a').options, { ionice: '', mksquashfs_params: '-comp xz -b 1M' });
  });

  it('takes paths from the working directory, and integers as numbers', () => {
    const line = parse('--base-dir', 'srv/ltsp', '--metrics-file=m.prom', '--keep', '3', 'a');
    assert.deepEqual(line.options, { base_dir: path.resolve('srv/ltsp'), metrics_file: path.resolve('m.prom'), keep: 3 });
  });

  it('collects the images in order, everything after -- included', () => {
    const line = parse('a', '--check', 'b', '--json', '--', '-odd', 'c');
    assert.deepEqual(line.images, ['a', 'b', '-odd', 'c']);
    assert.equal(line.check, true);
    assert.equal(line.json, true);
  });

  it('refuses what it cannot read, naming the flag and what it wants', () => {
    const refuse = (argv: string[], message: RegExp) => assert.throws(() => parse(...argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
    refuse(['-b', 'maybe', 'a'], /^Option -b\/--backup takes 0 or 1, got "maybe"$/);
    refuse(['--keep', 'three', 'a'], /^Option --keep takes a whole number \(N\), got "three"$/);
    refuse(['a', '-k'], /^Option -k\/--kernel-initrd needs a value \(GLOB-REGEX\)$/);
    refuse(['--base-dir', '--check', 'a'], /^Option --base-dir needs a value \(DIR\)$/);
    refuse(['--no-kernel=1', 'a'], /^Option --no-kernel takes no value$/);
    refuse(['--no-force-x', 'a'], /^Unknown option --no-force-x; see ltsp_image --help$/);
    refuse(['-x', 'a'], /^Unknown option -x; see ltsp_image --help$/);
    refuse(['--revert=1', 'a'], /^ltsp_image has no --revert: to go back to the previous image, run ltsp_image_revert IMAGE$/);
  });
});

describe('command line: messages', () => {
  it('name the flags a person types instead of the options', () => {
    const say = (message: string) => inFlagTerms(message, table);
    assert.equal(say('Option lock_timeout must be >= 0, got an integer (-1)'), 'Option --lock-timeout must be >= 0, got an integer (-1)');
    assert.equal(say('Option mksquashfs_params: -ef is set by the module itself'), 'Option -m/--mksquashfs-params: -ef is set by the module itself');
    assert.equal(say('Missing required option: name'), 'Missing required option: IMAGE');
    assert.equal(say('x is held; use force: true to rebuild it'), 'x is held; use --force to rebuild it');
    assert.equal(say('set kernel: false or backup: false'), 'set --no-kernel or -b/--backup 0');
    assert.equal(say('held the lock for 600 s; try again later or raise lock_timeout'), 'held the lock for 600 s; try again later or raise --lock-timeout');
    assert.equal(say('Built /srv/ltsp/images/x86_64.img: config changed (name, cleanup)'), 'Built /srv/ltsp/images/x86_64.img: config changed (name, cleanup)');
  });
});

describe('command line: help and drawing', () => {
  it('writes the help from the schema, without Ansible markup, in 80 columns', () => {
    const info = flagTable(fromSchema(ltspImageInfoSchema).optionsSchema);
    const text = helpText('ltsp_image_info', 'Describe images', info);
    assert.match(text, /^Usage: ltsp_image_info \[OPTION\]\.\.\. \[IMAGE\.\.\.\]\nDescribe images\n/);
    assert.match(text, /^ {6}--\[no-\]drift /m);
    assert.doesNotMatch(text, /\b[CM]\(/);
    assert.ok(text.split('\n').every((l) => l.length <= 80), text);
    assert.equal(plain('C(BASE/NAME) see M(ltsp_image) and I(x)'), 'BASE/NAME see ltsp_image and x');
  });

  it('draws a bar and a clock, in UTF-8 or ASCII by locale', () => {
    const utf8 = glyphs({ LANG: 'de_DE.UTF-8' });
    const ascii = glyphs({ LANG: 'C' });
    assert.equal(bar(1, 4, 8, utf8), '██░░░░░░  25%');
    assert.equal(bar(5, 4, 4, ascii), '#### 100%');
    assert.equal(bar(0, 0, 4, ascii), '....   0%');
    assert.equal(glyphs({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }).done, '+', 'LC_ALL wins');
    assert.equal(clock(125.9), '2:05');
  });

  it("reads mksquashfs's bar across chunk boundaries, only complete readings, the newest first", () => {
    const reader = new ProgressReader();
    assert.equal(reader.feed('Parallel mksquashfs: Using 1 processor\nCreating 4.0 filesystem\n'), null);
    assert.deepEqual(reader.feed('\r[==/     ]  12/1600   0%\r[===-    ]  40/16'), { done: 12, total: 1600 });
    assert.deepEqual(reader.feed('00   2%\r[====|   ]  54/1600   3%'), { done: 54, total: 1600 });
    assert.equal(reader.feed('\r\n'), null, 'a reading is reported once');
    assert.deepEqual(reader.feed('\r[========] 1600/1600 100%\r\n\nExportable Squashfs 4.0 filesystem'), { done: 1600, total: 1600 });
  });
});
