// Table-driven hostile and mistaken input: each gets exit 1, one JSON object, a message naming the problem, and no change on disk; SIGTERM ends a run whatever file it reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { assertNothingLeaked, hostSnapshot, treeDigest } from '../helpers/image.js';
import { requireRoot } from '../helpers/root.js';
import { parseSingleJson, projectRoot, runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/settle.js';
import { killStarted, startModule } from '../helpers/spawn-module.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

interface Case {
  title: string;
  /** Raw stdin, or args merged over a valid base. */
  input?: string | Buffer;
  args?: Record<string, unknown>;
  module?: string;
  /** An args file path instead of stdin. */
  file?: string;
  /** A person's command line instead (run with --json, so the failure is one JSON object too). */
  cli?: string[];
  msg: RegExp;
}

let scratch = '';
/** The content of a file that options could make mksquashfs read: it must never reach a message. */
const SECRET = '$6$secretsalt$hashthatmustnotleak';
const p = (rel: string) => path.join(scratch, rel);

/** A FIFO blocks a plain read for good, /dev/zero never ends: each file input of #24 given both. */
function inputsThatNeverEnd(): Case[] {
  const inputs: [string, string][] = [['FIFO', 'fifo'], ['/dev/zero', '/dev/zero']];
  return ['ltsp_conf', 'excludes_file', 'add_image_excludes', 'omit_image_excludes'].flatMap((option) =>
    inputs.map(([what, file]) => ({
      title: `${what} as ${option} (#24)`,
      args: { [option]: path.isAbsolute(file) ? file : p(file) },
      msg: new RegExp(`^Option ${option}: .*${file} is ${what === 'FIFO' ? 'a FIFO' : 'a character device'}, not a regular file; give `),
    })),
  );
}

function cases(): Case[] {
  const marker = p('pwned');
  return [
    { title: 'invalid JSON', input: '{"name": ', msg: /not valid JSON/ },
    { title: 'a JSON array', input: '["x"]', msg: /are an array, not a JSON object/ },
    { title: 'a JSON number', input: '42', msg: /are number, not a JSON object/ },
    { title: 'JSON null', input: 'null', msg: /are null, not a JSON object/ },
    { title: 'empty stdin', input: '', msg: /No arguments in stdin/ },
    { title: 'non-UTF-8 bytes around the JSON', input: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), msg: /not valid JSON/ },
    { title: 'an args file with broken JSON', file: p('broken-args'), msg: /Arguments in .*broken-args are not valid JSON/ },
    { title: 'a command line with -b maybe', cli: ['-b', 'maybe', 'good'], msg: /^Option -b\/--backup takes 0 or 1, got "maybe"$/ },
    { title: 'a command line with --keep=-1', cli: ['--keep=-1', 'good'], msg: /^Option --keep takes a whole number \(N\), got "-1"$/ },
    { title: 'a command line with --keep=0', cli: ['--keep=0', 'good'], msg: /^Option --keep must be >= 1, got an integer \(0\)$/ },
    { title: 'a command line with --compare sha1', cli: ['--compare', 'sha1', 'good'], msg: /^Option --compare must be one of "mtime", "checksum", got a string \("sha1"\)$/ },
    { title: 'a command line with an unknown flag', cli: ['--frobnicate', 'good'], msg: /^Unknown option --frobnicate; see ltsp_image --help$/ },
    { title: 'a command line with the reference -r', cli: ['-r', 'good'], msg: /^ltsp_image has no -r: to go back to the previous image, run ltsp_image_revert IMAGE$/ },
    { title: 'a command line with a flag missing its value', cli: ['good', '--base-dir'], msg: /^Option --base-dir needs a value \(DIR\)$/ },
    { title: 'a command line without an image, and none to detect', cli: ['-b', '0', '--base-dir', 'nothing-here'], msg: /^No image source found in .*nothing-here .*: name the IMAGE, e\.g\. ltsp_image x86_64/ },
    { title: 'a command line with --no-backup (not a switch)', cli: ['--no-backup', 'good'], msg: /^Unknown option --no-backup/ },
    { title: 'a command line with a missing image path', cli: ['/nonexistent/args'], msg: /^Image does not exist: \/nonexistent\/args$/ },
    { title: 'a command line with a shell in the image name', cli: [`$(touch ${marker})`], msg: /neither a simple name nor a path/ },
    { title: 'a command line with a reserved mksquashfs flag', cli: ['-m', `-ef ${marker}`, 'good'], msg: /^Option -m\/--mksquashfs-params: -ef is set by the module itself; remove it$/ },
    { title: 'a command line with --image-name for two images', cli: ['--image-name', 'x', 'good', 'good'], msg: /^Option --image-name names one image; give one IMAGE with it$/ },
    { title: 'a revert command line with --steps 0', module: 'ltsp_image_revert', cli: ['--steps', '0', 'good'], msg: /^Option --steps must be >= 1/ },
    { title: 'name as a number', args: { name: 5 }, msg: /Option name must be a string, got an integer \(5\)/ },
    { title: 'name as a boolean', args: { name: true }, msg: /Option name must be a string, got a boolean/ },
    { title: 'name as null', args: { name: null }, msg: /Option name must be a string, got null/ },
    { title: 'name as a list', args: { name: ['a'] }, msg: /Option name must be a string, got a list/ },
    { title: 'backup as a word', args: { backup: 'maybe' }, msg: /Option backup must be a boolean, got a string/ },
    { title: 'negative lock_timeout', args: { lock_timeout: -1 }, msg: /Option lock_timeout must be >= 0/ },
    { title: 'lock_timeout as text', args: { lock_timeout: 'soon' }, msg: /Option lock_timeout must be an integer, got a string/ },
    { title: 'fractional lock_timeout', args: { lock_timeout: 1.5 }, msg: /Option lock_timeout must be an integer, got a number/ },
    { title: 'compare outside its choices', args: { compare: 'sha1' }, msg: /Option compare must be one of "mtime", "checksum"/ },
    { title: 'keep of zero', args: { keep: 0 }, msg: /Option keep must be >= 1/ },
    { title: 'an unknown option', args: { nmae: 'x' }, msg: /Unsupported option "nmae"; valid options are: / },
    { title: 'two unknown options', args: { a: 1, b: 2 }, msg: /Unsupported options "a", "b"/ },
    { title: 'an empty name', args: { name: '' }, msg: /Option name is empty/ },
    { title: 'a 64 KB name', args: { name: 'x'.repeat(65536) }, msg: /Image does not exist/ },
    { title: 'a name with a NUL', args: { name: 'a\u0000b' }, msg: /Option name contains a NUL byte/ },
    { title: 'a non-UTF-8 name', input: Buffer.concat([Buffer.from('{"name": "bad'), Buffer.from([0xc3, 0x28]), Buffer.from(`", "base_dir": "${p('srv/ltsp')}"}`)]), msg: /Image does not exist: bad/ },
    { title: 'image_name with a comma', args: { image_name: 'a,b' }, msg: /No commas allowed in LTSP image names/ },
    { title: 'image_name with a space', args: { image_name: 'a b' }, msg: /Unsafe image name "a b" \(option image_name\)/ },
    { title: 'image_name with a newline', args: { image_name: 'a\nb' }, msg: /Unsafe image name "a\\nb"/ },
    { title: 'image_name ..', args: { image_name: '..' }, msg: /Unsafe image name "\.\."/ },
    { title: 'image_name with a slash', args: { image_name: 'a/b' }, msg: /Unsafe image name "a\/b"/ },
    { title: 'a relative path without ./', args: { name: 'foo/bar' }, msg: /neither a simple name nor a path; start paths with \/ or \.\// },
    { title: 'a nonexistent source', args: { name: p('nope') }, msg: /Image does not exist: .*nope/ },
    { title: 'a plain text file as source', args: { name: p('notes.txt') }, msg: /Cannot recognise .*notes\.txt as a disk image or filesystem/ },
    { title: 'a FIFO as source', args: { name: p('fifo') }, msg: /is neither a directory nor a disk image file/ },
    { title: 'a symlink loop as source', args: { name: p('loop') }, msg: /is a dangling or looping symlink/ },
    { title: 'a stacked source without subdir', args: { name: `${p('srv/ltsp/good')},,${p('srv/ltsp/good')}` }, msg: /needs subdir=DIR/ },
    { title: 'a simple name that resolves to the image being built', args: { name: 'good' }, msg: /^Option name: the source .*\/images\/good\.img is a file of the image good itself, so every run would rebuild it from itself/ },
    { title: 'the image file itself as the source', args: { name: p('srv/ltsp/images/good.img') }, msg: /is a file of the image good itself/ },
    { title: 'a base_dir inside the source that the excludes keep in', args: { base_dir: p('srv/ltsp/good/base') }, msg: /^Option base_dir: the images dir .*good\/base\/images lies inside the source .*; add "base\/images" to add_image_excludes or move base_dir out of the source$/ },
    { title: 'a writable mount option', args: { name: `${p('srv/ltsp/good')},rw` }, msg: /^Option name: mount option "rw" is not allowed: sources are always mounted read-only by the module; remove it$/ },
    { title: 'mount option defaults (rw)', args: { name: `${p('notes.txt')},noatime,defaults` }, msg: /mount option "defaults" is not allowed/ },
    { title: 'mount option remount', args: { name: `${p('srv/ltsp/good')},,${p('notes.txt')},subdir=opt,remount` }, msg: /mount option "remount" is not allowed/ },
    { title: 'partition=abc', args: { name: `${p('srv/ltsp/good')},partition=abc` }, msg: /partition=abc must be a partition number/ },
    { title: 'mksquashfs_params with a shell command', args: { mksquashfs_params: `; rm -rf ${p('srv')}` }, msg: /^Option mksquashfs_params: ";" is not an option \(options start with -, each value follows its option\); remove it$/ },
    { title: 'mksquashfs_params with $(...)', args: { mksquashfs_params: [`$(touch ${marker})`] }, msg: /^Option mksquashfs_params: "\$\(touch .*pwned\)" is not an option/ },
    { title: 'mksquashfs_params with backticks', args: { mksquashfs_params: [`\`touch ${marker}\``] }, msg: /^Option mksquashfs_params: "`touch .*pwned`" is not an option/ },
    { title: 'mksquashfs_params with an -action running a command (#24)', args: { mksquashfs_params: ['-action', `exclude@exec("touch ${marker}")`] }, msg: /^Option mksquashfs_params: -action runs an action on every file: its exec\(\) test runs a command through \/bin\/sh as root, .*; remove it$/ },
    { title: 'mksquashfs_params with -false-action (#24)', args: { mksquashfs_params: `-false-action exclude@exec(touch_${marker})` }, msg: /^Option mksquashfs_params: -false-action runs an action on every file/ },
    { title: 'a command line with -m -log-action (#24)', cli: ['-m', `-log-action exclude@exec(touch_${marker})`, 'good'], msg: /^Option -m\/--mksquashfs-params: -log-action runs an action on every file/ },
    { title: 'ltsp.conf MKSQUASHFS_PARAMS with -true-action (#24)', args: { ltsp_conf: p('ltsp.conf') }, msg: /^Option mksquashfs_params: -true-action runs an action on every file/ },
    { title: 'mksquashfs_params with an option not on the allowlist (#24)', args: { mksquashfs_params: ['-frobnicate'] }, msg: /^Option mksquashfs_params: -frobnicate is not one of the options the module passes to mksquashfs, those that only change how the source is compressed and laid out \(-comp, -b, .*\); remove it$/ },
    { title: 'mksquashfs_params with an option as the value of -b (#24)', args: { mksquashfs_params: ['-b', '-pf'] }, msg: /^Option mksquashfs_params: -b takes a power of two from 4K to 1M \(e\.g\. 4K, 128K, 1M\), got "-pf"; give such a value$/ },
    { title: 'mksquashfs_params with -b 3K (#24)', args: { mksquashfs_params: '-b 3K' }, msg: /^Option mksquashfs_params: -b takes a power of two/ },
    { title: 'mksquashfs_params with -b and no value (#24)', args: { mksquashfs_params: '-comp xz -b' }, msg: /^Option mksquashfs_params: -b needs a value after it$/ },
    { title: 'mksquashfs_params with an unknown compressor (#24)', args: { mksquashfs_params: '-comp brotli' }, msg: /^Option mksquashfs_params: -comp takes one of gzip, lzo, lz4, xz, zstd, got "brotli"/ },
    { title: 'mksquashfs_params with -comp lzma (#24)', args: { mksquashfs_params: '-comp lzma' }, msg: /^Option mksquashfs_params: -comp lzma makes an image no Linux kernel can mount/ },
    { title: 'mksquashfs_params with two compressors (#24)', args: { mksquashfs_params: '-comp xz -comp lz4' }, msg: /^Option mksquashfs_params: -comp is given as xz and lz4; give one compressor$/ },
    { title: "mksquashfs_params with another compressor's -X option (#24)", args: { mksquashfs_params: '-comp lz4 -Xcompression-level 3' }, msg: /^Option mksquashfs_params: -Xcompression-level is not an option of the lz4 compressor \(-Xhc\); remove it or choose the compressor that has it with -comp$/ },
    { title: 'mksquashfs_params with gzip level 10 (#24)', args: { mksquashfs_params: '-Xcompression-level 10' }, msg: /^Option mksquashfs_params: -Xcompression-level takes a whole number from 1 to 9, got "10"/ },
    { title: 'mksquashfs_params with an xz dictionary mksquashfs cannot store (#24)', args: { mksquashfs_params: '-comp xz -Xdict-size 10K' }, msg: /^Option mksquashfs_params: -Xdict-size takes 8K or more, at most the block size \(128K\)/ },
    { title: 'mksquashfs_params with an lzo level for lzo1x_1 (#24)', args: { mksquashfs_params: '-comp lzo -Xalgorithm lzo1x_1 -Xcompression-level 3' }, msg: /^Option mksquashfs_params: -Xcompression-level applies only to lzo's lzo1x_999 algorithm, not lzo1x_1/ },
    { title: 'mksquashfs_params with a date string for -mkfs-time (#24)', args: { mksquashfs_params: ['-mkfs-time', 'last week'] }, msg: /^Option mksquashfs_params: -mkfs-time takes a whole number from 0 to 4294967295, got "last week"/ },
    { title: 'mksquashfs_params with a user name for -force-uid (#24)', args: { mksquashfs_params: '-force-uid root' }, msg: /^Option mksquashfs_params: -force-uid takes a whole number/ },
    { title: 'mksquashfs_params with -mem 1M (#24)', args: { mksquashfs_params: '-mem 1M' }, msg: /^Option mksquashfs_params: -mem takes a size from 16M to/ },
    { title: 'mksquashfs_params with -processors 0 (#24)', args: { mksquashfs_params: '-processors 0' }, msg: /^Option mksquashfs_params: -processors takes a whole number from 1/ },
    { title: 'mksquashfs_params with -not-reproducible (#24)', args: { mksquashfs_params: '-not-reproducible' }, msg: /^Option mksquashfs_params: -not-reproducible makes two builds of one source differ/ },
    { title: 'mksquashfs_params with -no-progress (#24)', args: { mksquashfs_params: '-no-progress' }, msg: /^Option mksquashfs_params: -no-progress changes mksquashfs's output, from which the module reads its progress/ },
    { title: 'mksquashfs_params with -one-file-system (#24)', args: { mksquashfs_params: '-one-file-system' }, msg: /^Option mksquashfs_params: -one-file-system changes what of the source the image holds/ },
    { title: 'mksquashfs_params with -e and no path (#24)', args: { mksquashfs_params: '-comp lz4 -e' }, msg: /^Option mksquashfs_params: -e needs at least one path after it/ },
    { title: 'mksquashfs_params with an absolute -e path (#24)', args: { mksquashfs_params: '-e /etc/shadow' }, msg: /^Option mksquashfs_params: -e path "\/etc\/shadow": mksquashfs -wildcards rejects patterns starting with \/, \.\/ or \.\.\/; give paths relative to the image root/ },
    { title: 'mksquashfs_params with an -e path holding a newline (#24)', args: { mksquashfs_params: ['-e', 'var/cache\netc/passwd'] }, msg: /^Option mksquashfs_params: -e path "var\/cache\\netc\/passwd" is empty, holds a newline or NUL/ },
    { title: 'mksquashfs_params with an -e path starting with # (#24)', args: { mksquashfs_params: ['-e', '#x'] }, msg: /^Option mksquashfs_params: -e path "#x" .* starts with a space, # or \\/ },
    { title: 'boot_timeout past what a timer holds (#24)', args: { boot_timeout: 2147484 }, msg: /^Option boot_timeout must be <= 2147483, got an integer \(2147484\)$/ },
    { title: 'ltsp_image_info boot_timeout past what a timer holds (#24)', module: 'ltsp_image_info', args: { boot_timeout: 9999999 }, msg: /^Option boot_timeout must be <= 2147483/ },
    { title: 'mksquashfs_params repeating -ef', args: { mksquashfs_params: ['-ef', '/etc/passwd'] }, msg: /Option mksquashfs_params: -ef is set by the module itself/ },
    { title: 'mksquashfs_params with a pseudo file running a command (#13 item 6)', args: { mksquashfs_params: ['-p', `x f 644 0 0 touch ${marker}`] }, msg: /^Option mksquashfs_params: -p defines pseudo files, which can run commands as root and add files from outside the source; remove it$/ },
    { title: 'mksquashfs_params with a pseudo file list read from a secret file (#13 item 6)', args: { mksquashfs_params: ['-pf', p('shadow')] }, msg: /^Option mksquashfs_params: -pf defines pseudo files, [^$]*; remove it$/ },
    { title: 'mksquashfs_params with a sort file that is a secret file (#13 item 6)', args: { mksquashfs_params: '-sort ' + p('shadow') }, msg: /^Option mksquashfs_params: -sort reads another file, [^$]*; remove it$/ },
    { title: 'mksquashfs_params moving the image with -o (#13 item 6)', args: { mksquashfs_params: ['-o', '4096'] }, msg: /^Option mksquashfs_params: -o changes where the image is written or what its root is, so clients could not boot it; remove it$/ },
    { title: 'mksquashfs_params with -root-becomes (#13 item 6)', args: { mksquashfs_params: ['-root-becomes', 'old'] }, msg: /^Option mksquashfs_params: -root-becomes changes where/ },
    { title: 'mksquashfs_params taking the image from stdin with -tar (#13 item 6)', args: { mksquashfs_params: ['-tar'] }, msg: /^Option mksquashfs_params: -tar takes the image content from stdin/ },
    { title: 'a relative metrics_file (#13 item 4)', args: { metrics_file: 'fixture.prom' }, msg: /^Option metrics_file must be an absolute path/ },
    { title: 'a metrics_file in a missing directory (#13 item 4)', args: { metrics_file: p('no-such-dir/x.prom') }, msg: /^Option metrics_file: the directory .*no-such-dir does not exist; create it/ },
    { title: 'a metrics_file that is a directory (#13 item 4)', args: { metrics_file: p('srv') }, msg: /^Option metrics_file: .*srv is a directory; give a file path/ },
    { title: 'a metrics_file with a 250-byte name (#13 item 4)', args: { metrics_file: p(`${'m'.repeat(245)}.prom`) }, msg: /^Option metrics_file: the file name is 250 bytes long; use one of at most 237$/ },
    { title: 'a TFTP vmlinuz that is a directory (#13 item 4)', args: { tftp_dir: p('badtftp') }, msg: /^Option tftp_dir: .*badtftp\/ltsp\/good\/vmlinuz is not a regular file, so the kernel cannot be installed there; remove it$/ },
    { title: 'keep of 1e400, which JSON reads as Infinity (#13 item 8)', input: `{"name": ${JSON.stringify(p('srv/ltsp/good'))}, "base_dir": ${JSON.stringify(p('srv/ltsp'))}, "keep": 1e400}`, msg: /^Option keep must be a finite number, got Infinity$/ },
    { title: 'keep_days of 1e400 (#13 item 8)', input: `{"name": ${JSON.stringify(p('srv/ltsp/good'))}, "base_dir": ${JSON.stringify(p('srv/ltsp'))}, "keep_days": 1e400}`, msg: /^Option keep_days must be a finite number, got Infinity$/ },
    { title: 'ionice with a shell command', args: { ionice: `; rm -rf ${p('srv')}` }, msg: /Option ionice: command ";" not found/ },
    { title: 'ionice with $(...)', args: { ionice: `$(touch ${marker})` }, msg: /Option ionice: command "\$\(touch" not found/ },
    { title: 'a relative base_dir', args: { base_dir: 'srv/ltsp' }, msg: /Option base_dir must be an absolute path/ },
    { title: 'a simple name in a nonexistent base_dir', args: { name: 'good', base_dir: p('no/such/base') }, msg: /Image does not exist: good/ },
    { title: 'a base_dir below a file', args: { base_dir: p('notes.txt/ltsp') }, msg: /Option base_dir: .*notes\.txt is not a directory/ },
    { title: 'a tftp_dir below a file', args: { tftp_dir: p('notes.txt/tftp') }, msg: /Option tftp_dir: .*notes\.txt is not a directory/ },
    { title: 'an unreadable excludes_file', args: { excludes_file: p('nope.excludes') }, msg: /Option excludes_file: cannot read .*nope\.excludes \(ENOENT\)/ },
    ...inputsThatNeverEnd(),
    { title: 'an ltsp_conf over 1 MiB (#24)', args: { ltsp_conf: p('big.conf') }, msg: /^Option ltsp_conf: .*big\.conf is larger than 1 MiB, far more than any such file needs; give an ltsp\.conf file, or "" to ignore ltsp\.conf$/ },
    { title: 'an ltsp_conf others can write, whose IONICE would run as root (#24)', args: { ltsp_conf: p('writable.conf') }, msg: /^Option ltsp_conf: .*writable\.conf is writable by group or others \(mode 0666\), so it is not trusted: its settings run as root; run: chmod go-w .*writable\.conf, then edit it with sudoedit$/ },
    { title: 'an ltsp_conf owned by a user, whose IONICE would run as root (#24)', args: { ltsp_conf: p('foreign.conf') }, msg: /^Option ltsp_conf: .*foreign\.conf is owned by uid 1000 \(mode 0644\), not by root, .*; run: chown root:root .*foreign\.conf$/ },
    { title: 'an ltsp_conf naming an add excludes file owned by a user (#24)', args: { ltsp_conf: p('names-foreign.conf') }, msg: /^Option add_image_excludes: .*foreign\.excludes is owned by uid 1000 \(mode 0644\), not by root/ },
    { title: 'an excludes_file others can write (#24)', args: { excludes_file: p('writable.excludes') }, msg: /^Option excludes_file: .*writable\.excludes is writable by group or others \(mode 0666\).*; run: chmod go-w / },
    { title: 'an ltsp_conf where A=$A$A repeats 30 times (#24)', args: { ltsp_conf: p('doubling.conf') }, msg: /^.*doubling\.conf:17: the value of A would be longer than 64 KiB; no setting needs this much/ },
    { title: 'an ltsp_image_info ltsp_conf owned by a user (#24)', module: 'ltsp_image_info', args: { ltsp_conf: p('foreign.conf') }, msg: /^Option ltsp_conf: .*foreign\.conf is owned by uid 1000/ },
    { title: 'an ltsp_image_revert ltsp_conf others can write (#24)', module: 'ltsp_image_revert', args: { ltsp_conf: p('writable.conf') }, msg: /^Option ltsp_conf: .*writable\.conf is writable by group or others/ },
    { title: 'a bad kernel_initrd', args: { kernel_initrd: 'vmlinuz* nonsense' }, msg: /kernel_initrd/ },
    { title: 'cleanup without overlay', args: { overlay: false }, msg: /Can't clean up without overlay/ },
    { title: 'revert with steps of zero', module: 'ltsp_image_revert', args: { steps: 0 }, msg: /Option steps must be >= 1/ },
    { title: 'revert of a name with a comma', module: 'ltsp_image_revert', args: { name: 'a,b' }, msg: /No commas allowed/ },
    { title: 'info with a relative base_dir', module: 'ltsp_image_info', args: { base_dir: 'x' }, msg: /Option base_dir must be an absolute path/ },
  ];
}

describe('bad input', function () {
  let digest = '';
  let rejected = 0;

  before(async function () {
    requireRoot(this);
    scratch = await scratchDir('badinput-');
    fs.mkdirSync(p('srv/ltsp/good/etc'), { recursive: true });
    fs.writeFileSync(p('srv/ltsp/good/etc/hostname'), 'good\n');
    fs.writeFileSync(p('notes.txt'), 'just text\n');
    fs.mkdirSync(p('badtftp/ltsp/good/vmlinuz'), { recursive: true });
    fs.writeFileSync(p('shadow'), `root:${SECRET}:19000:0:99999:7:::\n`);
    fs.writeFileSync(p('broken-args'), '{"name": ');
    fs.writeFileSync(p('ltsp.conf'), `[common]\nMKSQUASHFS_PARAMS="-true-action exclude@exec(touch_${p('pwned')})"\n`);
    await execa('mkfifo', [p('fifo')]);
    fs.symlinkSync(p('loop'), p('loop'));
    fs.writeFileSync(p('big.conf'), '');
    fs.truncateSync(p('big.conf'), 2 << 20);
    // Were these files read, IONICE would run this as root.
    fs.writeFileSync(p('ionice.sh'), `#!/bin/sh\ntouch ${p('pwned')}\nexec "$@"\n`, { mode: 0o755 });
    for (const name of ['writable.conf', 'foreign.conf']) fs.writeFileSync(p(name), `[server]\nIONICE=${p('ionice.sh')}\n`);
    fs.chmodSync(p('writable.conf'), 0o666);
    fs.chownSync(p('foreign.conf'), 1000, 1000);
    fs.writeFileSync(p('foreign.excludes'), 'etc/*\n');
    fs.chownSync(p('foreign.excludes'), 1000, 1000);
    fs.writeFileSync(p('names-foreign.conf'), `[server]\nADD_IMAGE_EXCLUDES=${p('foreign.excludes')}\n`);
    fs.writeFileSync(p('writable.excludes'), 'etc/*\n');
    fs.chmodSync(p('writable.excludes'), 0o666);
    fs.writeFileSync(p('doubling.conf'), ['A=x', ...Array<string>(30).fill('A=$A$A')].join('\n'));
    const ok = await runModule('ltsp_image', { name: p('srv/ltsp/good'), base_dir: p('srv/ltsp'), tftp_dir: p('srv/tftp') });
    assert.equal(ok.code, 0, ok.stdout);
    digest = await treeDigest(scratch, { dirTimes: false });
  });
  after(async function () {
    if (scratch) await removeScratch(scratch);
    process.stdout.write(`      bad input: ${cases().length} cases, ${rejected} rejected cleanly\n`);
  });

  // Titles are known up front; the arguments need the scratch dir, made in before(), so they are built again here.
  for (const [index, { title }] of cases().entries()) {
    it(`rejects ${title}`, async () => {
      const c = cases()[index]!;
      const module = c.module ?? 'ltsp_image';
      const baseArgs = { name: module === 'ltsp_image' ? p('srv/ltsp/good') : 'good', base_dir: p('srv/ltsp'), tftp_dir: p('srv/tftp') };
      const input = c.input ?? JSON.stringify({ ...(module === 'ltsp_image_info' ? { base_dir: baseArgs.base_dir } : baseArgs), ...c.args });
      const argv = c.cli ? ['--base-dir', 'srv/ltsp', '--tftp-dir', 'srv/tftp', ...c.cli, '--json'] : c.file ? [c.file] : [];
      const child = await execa(process.execPath, [path.join(projectRoot, 'bundle', module), ...argv], {
        input: argv.length ? undefined : input,
        stdin: argv.length ? 'ignore' : undefined,
        reject: false,
        encoding: 'utf8',
        cwd: scratch,
        // Only so that a run stuck on a FIFO fails the case instead of hanging the suite: each case ends at once.
        timeout: 120_000,
      });
      const result = parseSingleJson(String(child.stdout));
      assert.equal(child.exitCode, 1, String(child.stdout));
      assert.equal(result.failed, true);
      assert.match(String(result.msg), c.msg);
      assert.ok(!String(result.msg).includes('\n'));
      assert.ok(!child.stdout.includes(SECRET), 'a file\'s content was echoed');
      assert.equal(fs.existsSync(p('pwned')), false, 'a shell ran');
      assert.equal(await treeDigest(scratch, { dirTimes: false }), digest, 'the scratch tree changed');
      rejected++;
    });
  }
});

/** A write end of the FIFO, if something has its read end open (else ENXIO). */
function openWriter(fifo: string): number | undefined {
  try {
    return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

describe('SIGTERM while a file input is read (#24)', function () {
  const box = useSandbox('sigterm-input-', 'dir');
  const fifo = () => path.join(box.scratch, 'fifo');
  before(async () => {
    await execa('mkfifo', [fifo()]);
  });
  afterEach(killStarted);

  for (const option of ['ltsp_conf', 'excludes_file', 'add_image_excludes', 'omit_image_excludes']) {
    it(`a FIFO as ${option}: the run ends within 2 s of SIGTERM, with one JSON object, and leaves nothing`, async function () {
      const before = await hostSnapshot();
      const run = startModule('ltsp_image', { name: box.source, base_dir: box.base, tftp_dir: box.tftp, [option]: fifo() });
      const ended = () => run.child.exitCode !== null || run.child.signalCode !== null;
      // A writer end opens only while the run holds the read end: from then on a plain read of it waits for data for good.
      let writer: number | undefined;
      await waitFor(() => ended() || (writer = openWriter(fifo())) !== undefined, 'the run to open the FIFO or end');
      try {
        run.child.kill('SIGTERM');
        // The bound is 2 s; the deadline leaves room for a loaded machine, and a run blocked on the FIFO never ends at all.
        await waitFor(ended, 'the run to end after SIGTERM', 15_000);
      } finally {
        if (writer !== undefined) fs.closeSync(writer);
      }
      const done = await run.result();
      assert.equal(done.code, 1, done.stdout);
      assert.match(String(done.result.msg), new RegExp(`^(Option ${option}: .*fifo is a FIFO, not a regular file|Interrupted by SIGTERM)`));
      await assertNothingLeaked(before);
    });
  }
});
