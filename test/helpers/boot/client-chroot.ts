// A Debian 12 chroot an LTSP client can boot from (real kernel, systemd, LTSP's client side), with a normal user and secrets in it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ALICE_HASH, ROOT_HASH } from '../chroot-accounts.js';
import { debianTree } from '../debootstrap.js';

/** What the reference's docs ask a chroot to have; udev, kmod and iproute2 are what minbase lacks for a netbooted client. */
export const CLIENT_PACKAGES = ['linux-image-amd64', 'systemd-sysv', 'ltsp', 'initramfs-tools', 'udev', 'kmod', 'iproute2', 'openssh-client', 'zstd'];

export const NORMAL_USER = { name: 'pupil', uid: 1000, hash: ALICE_HASH, home: '/home/pupil' };

/** A fresh copy of the client chroot (its debootstrap is a big download, cached once per machine); remove it with removeScratch(). */
export function clientChroot(): Promise<string> {
  return debianTree({ include: CLIENT_PACKAGES });
}

async function append(file: string, line: string): Promise<void> {
  await fs.appendFile(file, `${line}\n`);
}

/** Adds a normal user with a password hash and a home with a file in it, as `adduser` would leave them. */
export async function addNormalUser(root: string): Promise<void> {
  const { name, uid, hash, home } = NORMAL_USER;
  const etc = path.join(root, 'etc');
  await append(path.join(etc, 'passwd'), `${name}:x:${uid}:${uid}:${name}:${home}:/bin/bash`);
  await append(path.join(etc, 'shadow'), `${name}:${hash}:19700:0:99999:7:::`);
  await append(path.join(etc, 'group'), `${name}:x:${uid}:`);
  await append(path.join(etc, 'gshadow'), `${name}:!::`);
  const dir = path.join(root, home);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(dir, 'homework.txt'), "pupil's essay\n");
  await execa('chown', ['-R', `${uid}:${uid}`, dir]);
}

/** Sets root's password hash in the chroot's shadow. */
export async function setRootHash(root: string, hash = ROOT_HASH): Promise<void> {
  const shadow = path.join(root, 'etc/shadow');
  const lines = (await fs.readFile(shadow, 'utf8')).split('\n');
  const index = lines.findIndex((line) => line.startsWith('root:'));
  if (index < 0) throw new Error(`no root line in ${shadow}`);
  const fields = lines[index]!.split(':');
  fields[1] = hash;
  lines[index] = fields.join(':');
  await fs.writeFile(shadow, lines.join('\n'));
}
