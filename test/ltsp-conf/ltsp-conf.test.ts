// The ltsp.conf reader: sections in the reference's order, INCLUDE, sh quoting, precedence, and file:line errors for what it will not run.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { evaluateForImage } from '../../src/ltsp-conf/evaluate.js';
import { lexSection } from '../../src/ltsp-conf/lexer.js';
import { matchesSection } from '../../src/ltsp-conf/pattern.js';
import { withLtspConf } from '../../src/ltsp-conf/read.js';
import { splitSections } from '../../src/ltsp-conf/sections.js';
import { requireRoot } from '../helpers/root.js';
import { removeScratch, scratchDir } from '../helpers/tmp.js';

const NET = { mac: '52:54:00:12:34:56', ip: '10.0.0.5' };

function evaluate(text: string, vars: Record<string, string> = {}, network: typeof NET | null = NET): Map<string, string> {
  const env = new Map(Object.entries({ HOSTNAME: 'srv1', ...vars }));
  const { assigned } = evaluateForImage('ltsp.conf', splitSections('ltsp.conf', text), env, network);
  return new Map([...assigned].map(([k, v]) => [k, v.value]));
}

function error(text: string): string {
  try {
    evaluate(text);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

describe('ltsp-conf', function () {
  describe('sections', function () {
    it('evaluates top, [common], [server], [MAC], [IP], [HOSTNAME], then [image/] and its per-host sections, in that order', function () {
      const text = [
        'ORDER=top',
        '[image/]',
        'ORDER="$ORDER image/"',
        '[image/srv1]',
        'ORDER="$ORDER image/host"',
        '[server]',
        'ORDER="$ORDER server"',
        '[10.0.0.5]',
        'ORDER="$ORDER ip"',
        '[52:54:00:12:34:56]',
        'ORDER="$ORDER mac"',
        '[srv1]',
        'ORDER="$ORDER host"',
        '[image/52:54:00:12:34:56]',
        'ORDER="$ORDER image/mac"',
        '[Common]',
        'ORDER="$ORDER common"',
        '[clients]',
        'ORDER="$ORDER clients"',
        '[image/10.0.0.5]',
        'ORDER="$ORDER image/ip"',
        '[kernel/]',
        'ORDER="$ORDER kernel"',
      ].join('\n');
      assert.equal(evaluate(text).get('ORDER'), 'top common server mac ip host image/ image/mac image/ip image/host');
    });

    it('matches headers as case patterns, first match wins, each section runs once', function () {
      assert.equal(evaluate('[10.0.*]\nA=glob\n[10.0.0.5]\nA=exact\nB=1').get('A'), 'glob');
      assert.equal(evaluate('[10.0.*]\nA=glob\n[10.0.0.5]\nA=exact\nB=1').get('B'), undefined);
      assert.equal(evaluate('[other|srv?]\nA=alt').get('A'), 'alt');
      assert.ok(matchesSection('image/*', 'image/'));
      assert.ok(!matchesSection('pc.1', 'pcx1'));
    });

    it('lets [MAC] sections set HOSTNAME before [HOSTNAME] sections are chosen', function () {
      assert.equal(evaluate('[52:54:00:12:34:56]\nHOSTNAME=pc7\n[pc7]\nA=seen\n[image/pc7]\nB=seen').get('B'), 'seen');
    });

    it('skips [MAC]/[IP] sections when the server network is unknown', function () {
      assert.equal(evaluate('[52:54:00:12:34:56]\nA=1', {}, null).get('A'), undefined);
    });

    it('lowercases headers and drops other characters, comments included', function () {
      assert.equal(evaluate('[ SERVER ] # the server\nA=1').get('A'), '1');
      assert.deepEqual(splitSections('f', '[Image/]').map((s) => s.pattern), ['unnamed', 'image/']);
    });

    it('never evaluates [clients] or other applets, whatever they hold', function () {
      assert.equal(evaluate('[clients]\nif true; then x; fi\n[kernel/]\n$(rm -rf /)\nA=1').size, 0);
    });
  });

  describe('INCLUDE', function () {
    it('calls the section where it stands, once, lowercased, with spaces and comments allowed', function () {
      const vars = evaluate('[server]\nA=1\ninclude = Extra # more\nA="$A 3"\nINCLUDE=extra\n[extra]\nA="$A 2"');
      assert.equal(vars.get('A'), '1 2 3');
    });

    it('stops include loops and ignores unknown sections', function () {
      assert.equal(evaluate('[server]\nINCLUDE=a\nINCLUDE=nothing\n[a]\nX=a\nINCLUDE=server').get('X'), 'a');
    });
  });

  describe('quoting', function () {
    it('reads sh quoting: single, double with escapes, backslashes, $VAR and ${VAR}', function () {
      const vars = evaluate(
        [
          'BASE=/srv',
          `A='$BASE "x"'`,
          'B="$BASE/${BASE}x \\$ \\" \\\\ \\n"',
          'C=one\\ two$BASE',
          'MKSQUASHFS_PARAMS = "-comp xz" # comment',
          'D=a#b',
          'E=',
          'F="multi',
          'line"',
          'G=x\\',
          'y H=$UNSET',
        ].join('\n'),
      );
      assert.equal(vars.get('A'), '$BASE "x"');
      assert.equal(vars.get('B'), '/srv//srvx $ " \\ \\n');
      assert.equal(vars.get('C'), 'one two/srv');
      assert.equal(vars.get('MKSQUASHFS_PARAMS'), '-comp xz');
      assert.equal(vars.get('D'), 'a#b');
      assert.equal(vars.get('E'), '');
      assert.equal(vars.get('F'), 'multi\nline');
      assert.equal(vars.get('G'), 'xy');
      assert.equal(vars.get('H'), '');
    });

    it('expands variables from the environment and earlier assignments, in order within a line', function () {
      assert.equal(evaluate('A=1 B=$A$X', { X: 'x' }).get('B'), '1x');
    });

    it('only strips the spaces around the first = of a line at column 0', function () {
      assert.match(error('  A = 1'), /ltsp\.conf:1: "A = 1" is a shell command/);
    });
  });

  describe('malformed lines', function () {
    const cases: [string, RegExp][] = [
      ['A=1\n\necho hi', /^ltsp\.conf:3: "echo hi" is a shell command, which ltsp_image does not run; .*\[clients\]/],
      ['[server]\nA="open', /^ltsp\.conf:2: unterminated double quote/],
      ["A='open\nmore", /^ltsp\.conf:1: unterminated single quote/],
      ['A=$(hostname)', /^ltsp\.conf:1: command substitution \$\(\.\.\.\)/],
      ['A=`hostname`', /^ltsp\.conf:1: command substitution `/],
      ['A=${B:-x}', /^ltsp\.conf:1: \$\{B:-x\} is not supported/],
      ['A=$1', /^ltsp\.conf:1: the special parameter \$1/],
      ['A=1 && B=2', /^ltsp\.conf:1: the shell operator "&"/],
      ['f() { A=1; }', /^ltsp\.conf:1: the shell operator "\("/],
      ['BASE_DIR=~/ltsp', /^ltsp\.conf:1: tilde expansion/],
      ['A=1 true', /^ltsp\.conf:1: "A=1 true" is a shell command/],
      ['MKSQUASHFS_PARAMS = -comp xz', /^ltsp\.conf:1: "MKSQUASHFS_PARAMS=-comp xz" is a shell command/],
      ['1A=x', /^ltsp\.conf:1: "1A=x" is a shell command/],
      ['[image/]\nA="x\ny"\nbad', /^ltsp\.conf:4: "bad"/],
      ['[]\nA=1', /^ltsp\.conf:1: section header "\[\]" has an empty name/],
    ];
    for (const [text, pattern] of cases) {
      it(`names the line: ${JSON.stringify(text).slice(0, 40)}`, function () {
        assert.match(error(text), pattern);
      });
    }

    it('lexes a multi-line value and keeps counting lines', function () {
      const commands = lexSection('f', [
        { text: 'A="1', line: 5 },
        { text: '2"; B=3', line: 6 },
        { text: 'C=4', line: 7 },
      ]);
      assert.deepEqual(commands.map((c) => c.line), [5, 6, 7]);
    });
  });

  describe('precedence and settings', function () {
    let dir: string;
    before(async function () {
      dir = await scratchDir('ltsp-conf-');
    });
    after(async function () {
      await removeScratch(dir);
    });

    async function apply(text: string, options: Record<string, unknown>, explicit: string[]) {
      const file = path.join(dir, 'ltsp.conf');
      await fs.writeFile(file, text);
      const warnings: string[] = [];
      const given: Record<string, unknown> = { ltsp_conf: file, base_dir: '/srv/ltsp', backup: true, ionice: null, ...options };
      const result = withLtspConf(given, explicit, (m) => warnings.push(m));
      return { ...result, warnings, file };
    }

    it('an explicit option wins over the file, which wins over the default', async function () {
      const { options, conf, file } = await apply('[server]\nBACKUP=0\nBASE_DIR=/opt/ltsp\nIONICE=""\n[image/]\nMKSQUASHFS_PARAMS="-comp zstd"', { backup: true }, ['backup']);
      assert.equal(options.backup, true);
      assert.equal(options.base_dir, '/opt/ltsp');
      assert.equal(options.ionice, '');
      assert.equal(options.mksquashfs_params, '-comp zstd');
      assert.deepEqual(conf?.origins, { base_dir: `${file}:3`, ionice: `${file}:4`, mksquashfs_params: `${file}:6` });
    });

    it('$BASE_DIR in the file is the explicit base_dir, else the default', async function () {
      assert.equal((await apply('TFTP_DIR=$BASE_DIR/tftp', { base_dir: '/x' }, ['base_dir'])).options.tftp_dir, '/x/tftp');
      assert.equal((await apply('TFTP_DIR=$BASE_DIR/tftp', {}, [])).options.tftp_dir, '/srv/ltsp/tftp');
    });

    it('reads flags as ltsp image does: only 0 is off, with a warning for other values', async function () {
      const { options, warnings } = await apply('BACKUP=no\nCLEANUP=0', {}, []);
      assert.equal(options.backup, true);
      assert.equal(options.cleanup, false);
      assert.match(warnings.join('\n'), /ltsp\.conf:1: BACKUP="no" is taken as 1/);
    });

    it('treats empty KERNEL_INITRD and excludes as unset', async function () {
      const { options } = await apply('KERNEL_INITRD=\nADD_IMAGE_EXCLUDES=""', {}, []);
      assert.equal(options.kernel_initrd, null);
      assert.equal(options.add_image_excludes, null);
    });

    it('refuses a relative BASE_DIR with the line, unless base_dir was given', async function () {
      await assert.rejects(async () => apply('\nBASE_DIR=srv', {}, []), /ltsp\.conf:2: BASE_DIR="srv" is not an absolute path/);
      assert.equal((await apply('BASE_DIR=srv', { base_dir: '/y' }, ['base_dir'])).options.base_dir, '/y');
    });

    it('caps what expansion can grow to, naming the file, the line and the variable (#24)', async function () {
      await assert.rejects(async () => apply(['A=x', ...Array<string>(30).fill('A=$A$A')].join('\n'), {}, []), /ltsp\.conf:17: the value of A would be longer than 64 KiB; /);
      // Each value under the cap, more than 1 MiB together.
      const many = [`A=${'x'.repeat(60000)}`, ...Array.from({ length: 20 }, (_, i) => `B${i}=$A`)].join('\n');
      await assert.rejects(async () => apply(many, {}, []), /ltsp\.conf:18: with B16, the file's variables would hold more than 1 MiB; /);
    });

    it('follows a symlinked ltsp.conf and checks the file it ends at (#24)', async function () {
      requireRoot(this);
      const file = path.join(dir, 'target.conf');
      const link = path.join(dir, 'linked.conf');
      await fs.writeFile(file, '[server]\nBASE_DIR=/opt/linked\n');
      await fs.symlink(file, link);
      assert.equal(withLtspConf({ ltsp_conf: link, base_dir: '/srv/ltsp' }, [], () => {}).options.base_dir, '/opt/linked');
      await fs.chown(file, 1000, 1000);
      assert.throws(() => withLtspConf({ ltsp_conf: link }, [], () => {}), /^ModuleError: Option ltsp_conf: .*linked\.conf is owned by uid 1000 \(mode 0644\), not by root/);
    });

    it('"" ignores the file and a missing file is an error naming the option', async function () {
      assert.equal(withLtspConf({ ltsp_conf: '' }, [], () => {}).conf, null);
      assert.throws(() => withLtspConf({ ltsp_conf: path.join(dir, 'missing.conf') }, [], () => {}), /^Error: Option ltsp_conf: cannot read .*missing\.conf \(ENOENT\)|Option ltsp_conf: cannot read/);
    });
  });
});
