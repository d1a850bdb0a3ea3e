// Real private keys for the chroot fixture (ssh host keys, snakeoil TLS, root's ssh key) that must never reach an image.
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FixtureKeys {
  /** etc/ssh/ssh_host_<type>_key private key contents, by type. */
  hostKeys: { ed25519: string; rsa: string };
  /** etc/ssl/private/ssl-cert-snakeoil.key contents. */
  snakeoilKey: string;
  /** etc/ssl/certs/ssl-cert-snakeoil.pem contents (public, but host specific). */
  snakeoilCert: string;
  /** root/.ssh/id_rsa contents. */
  rootSshKey: string;
}

async function sshKey(file: string, type: 'ed25519' | 'rsa', comment: string): Promise<string> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}.pub`, { force: true });
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  await execa('ssh-keygen', ['-q', '-N', '', '-t', type, ...bits, '-C', comment, '-f', file], { stdin: 'ignore' });
  return fs.readFile(file, 'utf8');
}

/** Creates the keys under root (a chroot directory) and returns the private contents. */
export async function writeKeys(root: string): Promise<FixtureKeys> {
  const ssh = path.join(root, 'etc/ssh');
  const sslPrivate = path.join(root, 'etc/ssl/private');
  const sslCerts = path.join(root, 'etc/ssl/certs');
  const rootSsh = path.join(root, 'root/.ssh');
  await fs.mkdir(ssh, { recursive: true, mode: 0o755 });
  await fs.mkdir(sslPrivate, { recursive: true });
  await fs.chmod(sslPrivate, 0o710);
  await fs.mkdir(sslCerts, { recursive: true });
  await fs.mkdir(rootSsh, { recursive: true });
  await fs.chmod(rootSsh, 0o700);

  const ed25519 = await sshKey(path.join(ssh, 'ssh_host_ed25519_key'), 'ed25519', 'root@fixture');
  const rsa = await sshKey(path.join(ssh, 'ssh_host_rsa_key'), 'rsa', 'root@fixture');
  const rootSshKey = await sshKey(path.join(rootSsh, 'id_rsa'), 'rsa', 'root@fixture');

  const keyFile = path.join(sslPrivate, 'ssl-cert-snakeoil.key');
  const certFile = path.join(sslCerts, 'ssl-cert-snakeoil.pem');
  await execa(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=fixture', '-keyout', keyFile, '-out', certFile],
    { stdin: 'ignore' },
  );
  await fs.chmod(keyFile, 0o640);
  await fs.chmod(certFile, 0o644);
  return {
    hostKeys: { ed25519, rsa },
    snakeoilKey: await fs.readFile(keyFile, 'utf8'),
    snakeoilCert: await fs.readFile(certFile, 'utf8'),
    rootSshKey,
  };
}

/**
 * A distinctive single line from the middle of a PEM/OpenSSH private key, to search binary images
 * (tar, ext4, unsquashed trees) where the whole multi-line text may be split across blocks.
 */
export function keyNeedle(keyText: string): string {
  const body = keyText.split('\n').filter((line) => line && !line.startsWith('-----'));
  const line = body[Math.floor(body.length / 2)];
  if (!line) throw new Error('not a PEM or OpenSSH private key');
  return line;
}
