// The package changelog's parts: Debian's version order checked against dpkg itself, the status parser, and the changelog line.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { changesLine, comparePackages } from '../../src/packages/changes.js';
import { growthOf } from '../../src/packages/growth.js';
import { decodeList, encodeList, LIST_PATTERN, parseStatus } from '../../src/packages/status.js';
import { compareVersions } from '../../src/packages/version.js';

// Real version pairs from Debian's archive, and the corners of deb-version(7): epochs, ~, +, letters, leading zeros, revisions.
const PAIRS: [string, string][] = [
  ['115.9.0esr-1', '115.10.0esr-1'],
  ['115.10.0esr-1~deb12u1', '115.10.0esr-1'],
  ['1:2.0', '3.0'],
  ['2:1.0', '1:9.9'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc1~1'],
  ['1.0~~', '1.0~'],
  ['1.0', '1.0+b1'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['1.0a', '1.0'],
  ['1.0a', '1.0+'],
  ['1.01', '1.1'],
  ['1.001', '1.0009'],
  ['2.36-9+deb12u4', '2.36-9+deb12u10'],
  ['252.22-1~deb12u1', '252.30-1~deb12u2'],
  ['6.1.0-18', '6.1.0-9'],
  ['2.12-1', '2.12'],
  ['1.2.3-4ubuntu1', '1.2.3-4'],
  ['0.9.8zh-1', '0.9.8z-1'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
  ['1:9.18.24-1', '1:9.18.28-1~deb12u2'],
  ['a', 'B'],
  ['1.0.', '1.0'],
  ['1-2-3', '1-2-4'],
  ['1.2-3-4', '1.2-3'],
  ['3.0', '3.0'],
];

async function dpkgOrder(a: string, b: string): Promise<number> {
  for (const [op, sign] of [['lt', -1], ['eq', 0], ['gt', 1]] as const) {
    if ((await execa('dpkg', ['--compare-versions', a, op, b], { reject: false })).exitCode === 0) return sign;
  }
  throw new Error(`dpkg could not order ${a} and ${b}`);
}

const STATUS = `Package: hello
Status: install ok installed
Priority: optional
Installed-Size: 280
Architecture: amd64
Version: 2.10-3
Description: example package based on GNU hello
 The GNU hello program produces a familiar, friendly greeting.
 .
 Version: 9.9 in a description is not a field

Package: removed-but-configs
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: libc6
Status: install ok installed
Installed-Size: 12988
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4

Package: libc6
Status: install ok installed
Installed-Size: 11000
Architecture: i386
Multi-Arch: same
Version: 2.36-9+deb12u4

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
`;

describe('packages', function () {
  it('orders versions as dpkg --compare-versions does, both ways', async function () {
    for (const [a, b] of PAIRS) {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        assert.equal(Math.sign(compareVersions(x, y)), await dpkgOrder(x, y), `${x} vs ${y}`);
      }
    }
  });

  it('reads installed packages only, with architecture, version and size, from a status file', function () {
    const found = parseStatus(STATUS);
    assert.deepEqual(found, [
      { name: 'hello', arch: 'amd64', version: '2.10-3', kib: 280 },
      { name: 'libc6', arch: 'amd64', version: '2.36-9+deb12u4', kib: 12988 },
      { name: 'libc6', arch: 'i386', version: '2.36-9+deb12u4', kib: 11000 },
      { name: 'tzdata', arch: 'all', version: '2024a-0+deb12u1', kib: 0 },
    ]);
    const text = encodeList(found);
    assert.ok(LIST_PATTERN.test(text));
    assert.deepEqual(decodeList(text), found);
    assert.ok(!LIST_PATTERN.test('hello amd64 2.10-3'), 'a line without a size is not a list');
  });

  it('tells added, removed, upgraded and downgraded apart, multiarch by name:arch, and says it in one line', function () {
    const before = parseStatus(STATUS);
    const after = [
      { name: 'hello', arch: 'amd64', version: '2.10-2', kib: 270 },
      { name: 'libc6', arch: 'amd64', version: '2.36-9+deb12u10', kib: 13000 },
      { name: 'tzdata', arch: 'all', version: '2024a-0+deb12u1', kib: 0 },
      { name: 'zoom', arch: 'amd64', version: '6.0.2', kib: 900000 },
    ];
    const changes = comparePackages(before, after);
    assert.deepEqual(changes, {
      added: ['zoom'],
      removed: ['libc6:i386'],
      upgraded: [{ name: 'libc6:amd64', from: '2.36-9+deb12u4', to: '2.36-9+deb12u10' }],
      downgraded: [{ name: 'hello', from: '2.10-3', to: '2.10-2' }],
    });
    assert.equal(changesLine(changes), '1 upgraded (libc6:amd64 2.36-9+deb12u4 -> 2.36-9+deb12u10), 1 downgraded (hello 2.10-3 -> 2.10-2), 1 added (zoom), 1 removed (libc6:i386)');
    const many = comparePackages(
      ['a', 'b', 'c', 'd'].map((name) => ({ name, arch: 'amd64', version: '1', kib: 1 })),
      ['a', 'b', 'c', 'd'].map((name) => ({ name, arch: 'amd64', version: '1:1', kib: 1 })),
    );
    assert.equal(changesLine(many), '4 upgraded (a 1 -> 1:1, b 1 -> 1:1, c 1 -> 1:1, ...)');
  });

  it('puts a growth down to the directories and packages that grew most', function () {
    const growth = growthOf(
      1200,
      1000,
      { before: { 'usr/': 800, 'etc/': 10, 'opt/': 0 }, after: { 'usr/': 900, 'etc/': 9, 'opt/': 500 } },
      { before: [{ name: 'hello', arch: 'amd64', version: '1', kib: 1 }], after: [{ name: 'zoom', arch: 'amd64', version: '1', kib: 2 }] },
    );
    assert.equal(growth.delta, 200);
    assert.equal(growth.percent, 20);
    assert.deepEqual(growth.contributors, [
      { name: 'opt/', delta: 500 },
      { name: 'usr/', delta: 100 },
      { name: 'zoom', delta: 2048 },
    ]);
  });
});
