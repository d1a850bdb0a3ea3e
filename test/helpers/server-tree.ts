// Turns a debootstrap tree into a server with everything `ltsp image` cleans up, so both tools meet every cleanup rule on one tree.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ALICE_HASH, BOB_HASH, ROOT_HASH } from './chroot-accounts.js';
import { writeAll } from './chroot-fixture.js';
import { writeKeys } from './chroot-keys.js';
import { makeExt4Image } from './disk-fixtures.js';

/** openssl passwd -6 of 'backup-pw' and 'ghost-pw'. */
export const SERVICE_HASH = '$6$5e1f0c2b7a9d4e63$3Rs.at0SvWxx9Yh8mlKCcrz81ReYTwncsmV3tMs.T4QBOzNyz1Bahh8undsjlJZL8Nup84s01ZMRNzuNVYxbI/';
const GHOST_HASH = '$6$9a8b7c6d5e4f3a21$V6BZ5ekTCWmj.pOz/cCAlAB3dbR3i3kO3YzAibKBaIDqjSQPpNRafn2TZIcOZrhyfJviFyifoKMweOeiN9QjF0';

export const SERVER_KERNEL = '6.1.0-13-amd64';
export const STACKED_KERNEL = '6.1.0-99-amd64';

/**
 * Accounts added to the tree's own: two normal users, a system user with a hash (backupsvc), a system user whose
 * primary group is in the normal GID range (kiosk, listed in its own group too), a normal-range group shared by a
 * normal and a system user (shared), one with normal users only (students), and shadow/gshadow lines without a
 * passwd/group entry (ghost, oldgroup).
 */
const PASSWD = [
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  'bob:x:1001:1001:Bob,,,:/home/bob:/bin/bash',
  'backupsvc:x:990:990:Backup service:/var/lib/backupsvc:/bin/sh',
  'kiosk:x:991:1500:Kiosk:/var/lib/kiosk:/bin/bash',
];
const SHADOW = [
  `alice:${ALICE_HASH}:19700:0:99999:7:::`,
  `bob:${BOB_HASH}:19700:0:99999:7:::`,
  `backupsvc:${SERVICE_HASH}:19700:0:99999:7:::`,
  'kiosk:!:19700::::::',
  `ghost:${GHOST_HASH}:19700:0:99999:7:::`,
];
const GROUP = [
  'alice:x:1000:',
  'bob:x:1001:',
  'backupsvc:x:990:',
  'kiosk-users:x:1500:kiosk',
  'shared:x:1600:alice,backupsvc',
  'students:x:1700:alice,bob',
];
const GSHADOW = [
  'alice:!::',
  'bob:!::',
  'backupsvc:!::',
  'kiosk-users:!::kiosk',
  'shared:$6$groupsecret$hash:alice:alice,backupsvc',
  'students:!:bob:alice,bob',
  'oldgroup:!::alice',
];
/** Members added to system groups the tree already has: a normal user, a system user and one that does not exist. */
const SYSTEM_GROUP_MEMBERS: Record<string, string[]> = { audio: ['alice', 'backupsvc', 'ghost'], users: ['alice', 'bob'] };

function editLines(text: string, edit: (fields: string[]) => string[] | null): string {
  return text
    .split('\n')
    .map((line) => {
      if (line === '') return line;
      const edited = edit(line.split(':'));
      return edited === null ? line : edited.join(':');
    })
    .join('\n');
}

function addMembers(text: string, memberField: number): string {
  return editLines(text, (fields) => {
    const extra = SYSTEM_GROUP_MEMBERS[fields[0]!];
    if (!extra) return null;
    const members = fields[memberField]!.split(',').filter(Boolean);
    fields[memberField] = [...members, ...extra].join(',');
    return fields;
  });
}

async function appendAccounts(root: string): Promise<void> {
  const etc = path.join(root, 'etc');
  const read = (name: string) => fs.readFile(path.join(etc, name), 'utf8');
  const texts: Record<string, string> = {
    passwd: (await read('passwd')) + PASSWD.map((l) => `${l}\n`).join(''),
    shadow: editLines(await read('shadow'), (f) => (f[0] === 'root' ? [f[0], ROOT_HASH, ...f.slice(2)] : null)) + SHADOW.map((l) => `${l}\n`).join(''),
    group: addMembers(await read('group'), 3) + GROUP.map((l) => `${l}\n`).join(''),
    gshadow: addMembers(await read('gshadow'), 3) + GSHADOW.map((l) => `${l}\n`).join(''),
    subuid: 'alice:100000:65536\nbob:165536:65536\n',
    subgid: 'alice:100000:65536\nbob:165536:65536\n',
  };
  // Written in place, so modes and owners stay Debian's; the '-' backups are what shadow-utils leaves after a change.
  for (const [name, text] of Object.entries(texts)) {
    await fs.writeFile(path.join(etc, name), text);
    await fs.copyFile(path.join(etc, name), path.join(etc, `${name}-`));
    const stat = await fs.stat(path.join(etc, name));
    await fs.chmod(path.join(etc, `${name}-`), stat.mode & 0o7777);
    await fs.chown(path.join(etc, `${name}-`), stat.uid, stat.gid);
  }
}

async function writeHomes(root: string): Promise<void> {
  await writeAll(root, [
    ['home/alice/secret.txt', 'alice private notes\n', 0o600],
    ['home/alice/.bashrc', 'export EDITOR=vi\n'],
    ['home/bob/.profile', '# ~/.profile\n'],
    ['var/lib/backupsvc/state', 'last=2024-01-01\n', 0o600],
    ['var/lib/kiosk/.profile', '# kiosk\n'],
  ]);
  for (const [home, uid, gid] of [['home/alice', 1000, 1000], ['home/bob', 1001, 1001], ['var/lib/backupsvc', 990, 990], ['var/lib/kiosk', 991, 1500]] as const) {
    await fs.chmod(path.join(root, home), 0o700);
    await execa('chown', ['-R', `${uid}:${gid}`, path.join(root, home)]);
  }
}

/** A kernel pair in boot/ with Debian 12's relative top-level symlinks. */
async function writeKernel(root: string, version: string): Promise<void> {
  await writeAll(root, [
    [`boot/vmlinuz-${version}`, randomBytes(6144)],
    [`boot/initrd.img-${version}`, randomBytes(8192)],
    [`boot/config-${version}`, `# Linux/x86 ${version} Kernel Configuration\n`],
  ]);
}

/** Seeds the debootstrap tree at root (as root: owners matter). */
export async function seedServerTree(root: string): Promise<void> {
  await appendAccounts(root);
  await writeHomes(root);
  await writeKeys(root);
  await writeKernel(root, SERVER_KERNEL);
  for (const name of ['vmlinuz', 'initrd.img']) {
    await fs.rm(path.join(root, name), { force: true });
    await fs.symlink(`boot/${name}-${SERVER_KERNEL}`, path.join(root, name));
  }
  await writeAll(root, [
    ['etc/fstab', 'UUID=6f1c2a4e-8d7b-4c3e-9a1f-2b5d7e9c0a13 / ext4 errors=remount-ro 0 1\n/swapfile none swap sw 0 0\n'],
    ['etc/cups/printers.conf', '# Printer configuration file for CUPS v2.4.2\n# Written by cupsd\n<DefaultPrinter Office>\nDeviceURI ipp://user:secret@printer.example.lan/ipp/print\nState Idle\n</DefaultPrinter>\n', 0o600],
    ['etc/systemd/resolved.conf.d/ltsp.conf', '[Resolve]\nDNS=192.168.67.1\n'],
    ['var/log/syslog', 'Nov 20 10:00:02 server sshd[812]: Accepted password for alice\n', 0o640],
    ['var/log/auth.log', 'Nov 20 10:00:02 server sudo: alice : COMMAND=/bin/true\n', 0o640],
    ['var/log/syslog.1', 'Nov 19 09:00:00 server kernel: Linux version\n', 0o640],
    ['var/log/dpkg.log.2.gz', gzipSync('2023-10-01 12:00:00 install openssh-server\n')],
    ['var/log/installer/syslog', 'installer log\n', 0o600],
    ['var/cache/debconf/passwords.dat', 'Name: mariadb-server/root_password\nTemplate: mariadb-server/root_password\nValue: debconf-secret\nOwners: mariadb-server\n\n', 0o600],
    ['tmp/junk', 'scratch\n'],
    ['root/.bash_history', 'passwd alice\n', 0o600],
  ]);
  await fs.chown(path.join(root, 'var/log/syslog'), 0, 4);
  await fs.chown(path.join(root, 'var/log/auth.log'), 0, 4);
  await linksAndXattrs(root);
}

/**
 * Hard links and extended attributes where mksquashfs reads them as they are (opt/) and where cleanup rewrites a
 * file (etc/fstab, linked to etc/fstab.orig and carrying an xattr): both tools must keep or break the same ones.
 */
async function linksAndXattrs(root: string): Promise<void> {
  await writeAll(root, [
    ['opt/parity/data', 'shared\n'],
    ['opt/parity/tool', '#!/bin/sh\necho tool\n', 0o755],
  ]);
  await fs.link(path.join(root, 'opt/parity/data'), path.join(root, 'opt/parity/data-link'));
  await fs.link(path.join(root, 'etc/fstab'), path.join(root, 'etc/fstab.orig'));
  const setxattr = (file: string, name: string, value: string) =>
    execa('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', path.join(root, file), name, value]);
  await setxattr('opt/parity/data', 'user.parity', 'linked');
  await setxattr('opt/parity', 'user.parity', 'a directory');
  await setxattr('etc/fstab', 'user.parity', 'rewritten by cleanup');
  await execa('setcap', ['cap_net_raw+ep', path.join(root, 'opt/parity/tool')]);
}

/**
 * Extra sources to stack on the tree: a separate /boot filesystem (an ext4 file) with a kernel of its own, and an
 * /opt directory whose root is 0750 root:staff, not 0755 root:root. Returns the `name` for them on top of tree.
 */
export async function makeStackedSources(tree: string, dir: string): Promise<string> {
  const bootFiles = path.join(dir, 'boot-files');
  await writeKernel(dir, STACKED_KERNEL);
  await fs.rename(path.join(dir, 'boot'), bootFiles);
  const bootFs = (await makeExt4Image(bootFiles, path.join(dir, 'boot.ext4'), 'boot')).file;
  const opt = path.join(dir, 'opt-src');
  await writeAll(opt, [['app/bin/tool', '#!/bin/sh\necho tool\n', 0o755]]);
  await fs.chmod(opt, 0o750);
  await fs.chown(opt, 0, 50);
  return `${tree},,${bootFs},subdir=boot,,${opt},subdir=opt`;
}

/** Where addContainerLayer puts a container engine's layer (podman's storage), relative to the tree. */
export const CONTAINER_LAYER = 'var/lib/containers/storage/overlay/0f3a/diff';

/**
 * What an overlay hides and a direct read would not: a whiteout (gone), an opaque directory (etc) and a file marked
 * metacopy, which overlayfs refuses to read (etc/meta); etc/kept is an ordinary file both show.
 */
export async function addContainerLayer(tree: string): Promise<void> {
  const layer = path.join(tree, CONTAINER_LAYER);
  await fs.mkdir(path.join(layer, 'etc'), { recursive: true });
  await fs.writeFile(path.join(layer, 'etc/kept'), 'kept\n');
  await fs.writeFile(path.join(layer, 'etc/meta'), '');
  await execa('mknod', [path.join(layer, 'gone'), 'c', '0', '0']);
  const set = "import os, sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y'); os.setxattr(sys.argv[2], 'trusted.overlay.metacopy', b'')";
  await execa('python3', ['-c', set, path.join(layer, 'etc'), path.join(layer, 'etc/meta')]);
}
