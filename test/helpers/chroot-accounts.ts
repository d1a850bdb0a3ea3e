// Account databases for the chroot fixture, as constants, so tests can search an image for the password hashes.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** SHA-512 crypt hashes (openssl passwd -6) of 'root-pw', 'alice-pw' and 'bob-pw'. */
export const ROOT_HASH = '$6$2d00d3342ec2a090$8ChyBq8ssrTxCaIASXqm13FMhJAC/I5ceKRpUOLEShz2FM53Z53MHY5/R5jH9/6IbDVUCZzBhHvRIlk3eE9Ye0';
export const ALICE_HASH = '$6$b67032ff8b1fd9ca$wiW/3NNHi.GgVUBmKZ2fYtmbKyWNf5sOo/63W7wDrAEKDwbBOXWLa.y0pi0jnI8zwr4Cmk4eWWqPPERDi5Scd.';
export const BOB_HASH = '$6$09e7e82f42956d57$f/Ut0yK5K0ztlf.ajpg3oUIzC0nRgTZ4nfKxFpldJ9Pc5FGW.1MJlO9ipPxobeICjCpKgWlrIBIzCW5SmWJEU1';
export const PASSWORD_HASHES = [ROOT_HASH, ALICE_HASH, BOB_HASH] as const;

export interface FixtureUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** The shadow field: a $6$ hash, or '*' / '!' for locked system accounts. */
  hash: string;
}

export const USERS: readonly FixtureUser[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', hash: ROOT_HASH },
  { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin', shell: '/usr/sbin/nologin', hash: '*' },
  { name: 'systemd-network', uid: 998, gid: 998, home: '/', shell: '/usr/sbin/nologin', hash: '!*' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: '/usr/sbin/nologin', hash: '*' },
  { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash', hash: ALICE_HASH },
  { name: 'bob', uid: 1001, gid: 1001, home: '/home/bob', shell: '/bin/bash', hash: BOB_HASH },
];

/** Normal (login) users, uid 1000..59999 as login.defs says. */
export const NORMAL_USERS = USERS.filter((user) => user.uid >= 1000 && user.uid < 60000).map((user) => user.name);

const GROUPS: readonly { name: string; gid: number; members: string[] }[] = [
  { name: 'root', gid: 0, members: [] },
  { name: 'daemon', gid: 1, members: [] },
  { name: 'adm', gid: 4, members: ['alice'] },
  { name: 'sudo', gid: 27, members: ['alice'] },
  { name: 'shadow', gid: 42, members: [] },
  { name: 'users', gid: 100, members: ['alice', 'bob'] },
  { name: 'systemd-network', gid: 998, members: [] },
  { name: 'nogroup', gid: 65534, members: [] },
  { name: 'alice', gid: 1000, members: [] },
  { name: 'bob', gid: 1001, members: [] },
];

const LAST_CHANGE = 19700;
const SHADOW_GID = 42;

export const PASSWD = USERS.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:${u.shell}\n`).join('');
export const SHADOW = USERS.map((u) => `${u.name}:${u.hash}:${LAST_CHANGE}:0:99999:7:::\n`).join('');
export const GROUP = GROUPS.map((g) => `${g.name}:x:${g.gid}:${g.members.join(',')}\n`).join('');
export const GSHADOW = GROUPS.map((g) => `${g.name}:${g.gid >= 1000 && g.gid < 60000 ? '!' : '*'}::${g.members.join(',')}\n`).join('');

export const LOGIN_DEFS = `# /etc/login.defs - Configuration control definitions for the login package.
MAIL_DIR        /var/mail
PASS_MAX_DAYS   99999
PASS_MIN_DAYS   0
PASS_WARN_AGE   7
UID_MIN                  1000
UID_MAX                 60000
SYS_UID_MIN               100
SYS_UID_MAX               999
GID_MIN                  1000
GID_MAX                 60000
SYS_GID_MIN               100
SYS_GID_MAX               999
UMASK           022
HOME_MODE       0700
USERGROUPS_ENAB yes
ENCRYPT_METHOD SHA512
`;

/** Writes etc/{passwd,shadow,group,gshadow} and their '-' backups, plus etc/login.defs, with Debian's modes and owners. */
export async function writeAccounts(root: string): Promise<void> {
  const etc = path.join(root, 'etc');
  await fs.mkdir(etc, { recursive: true });
  const files: [string, string, number][] = [
    ['passwd', PASSWD, 0o644],
    ['group', GROUP, 0o644],
    ['shadow', SHADOW, 0o640],
    ['gshadow', GSHADOW, 0o640],
  ];
  for (const [name, text, mode] of files) {
    for (const file of [name, `${name}-`]) {
      await fs.writeFile(path.join(etc, file), text, { mode });
      await fs.chmod(path.join(etc, file), mode);
      if (mode === 0o640 && process.getuid?.() === 0) await fs.chown(path.join(etc, file), 0, SHADOW_GID);
    }
  }
  await fs.writeFile(path.join(etc, 'login.defs'), LOGIN_DEFS, { mode: 0o644 });
}
