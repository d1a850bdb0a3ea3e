// The snakeoil TLS key is the server's private key; clients get their own so that they cannot impersonate the server's services.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findExecutable } from '../core/executable.js';
import { runHostCommand, withScratchDir } from './host-tools.js';
import { inspect, readRegular, replaceRegular, skipReason, type FileOwnership } from './tree-fs.js';
import { joinDetail, type StepOutcome } from './types.js';

const SNAKEOIL_KEY = 'etc/ssl/private/ssl-cert-snakeoil.key';
const SNAKEOIL_CERT = 'etc/ssl/certs/ssl-cert-snakeoil.pem';
// What make-ssl-cert gives a certificate; used only when the tree has a key but no certificate.
const NEW_CERT_OWNERSHIP: FileOwnership = { uid: 0, gid: 0, mode: 0o644 };
export const DEFAULT_COMMON_NAME = 'ltsp';

/**
 * The certificate's CN: the tree's hostname when it is a plain DNS name. Anything else, such as
 * a "/" that openssl's -subj would read as another attribute, falls back to DEFAULT_COMMON_NAME.
 */
export function commonNameFrom(hostnameFile: string | null): string {
  const name = (hostnameFile ?? '')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  if (name === undefined || name.length > 253 || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(name)) {
    return DEFAULT_COMMON_NAME;
  }
  return name;
}

async function readCommonName(root: string): Promise<string> {
  const entry = await inspect(root, 'etc/hostname');
  if (entry.kind !== 'regular') return DEFAULT_COMMON_NAME;
  const { data } = await readRegular(root, 'etc/hostname');
  return commonNameFrom(data.toString('utf8'));
}

function ownershipOf(stat: { uid: number; gid: number; mode: number }): FileOwnership {
  return { uid: stat.uid, gid: stat.gid, mode: stat.mode };
}

export async function replaceSnakeoil(root: string): Promise<StepOutcome> {
  const key = await inspect(root, SNAKEOIL_KEY);
  if (key.kind === 'missing') return { changed: false, detail: `no ${SNAKEOIL_KEY}` };
  if (key.kind !== 'regular') return { changed: false, detail: skipReason(SNAKEOIL_KEY, key) };

  const cert = await inspect(root, SNAKEOIL_CERT);
  if (cert.kind !== 'regular' && cert.kind !== 'missing') {
    return { changed: false, detail: joinDetail([skipReason(SNAKEOIL_CERT, cert), `${SNAKEOIL_KEY} kept`]) };
  }
  // A missing certs directory would make the certificate impossible to write after the key was already replaced.
  const certDir = await inspect(root, path.posix.dirname(SNAKEOIL_CERT));
  if (certDir.kind !== 'directory') {
    return { changed: false, detail: `skipped: ${path.posix.dirname(SNAKEOIL_CERT)} is not a directory, ${SNAKEOIL_KEY} kept` };
  }

  const openssl = findExecutable('openssl');
  if (openssl === null) return { changed: false, detail: `openssl not found on the host, kept ${SNAKEOIL_KEY}` };

  const commonName = await readCommonName(root);
  await withScratchDir(async (scratch) => {
    const keyOut = path.join(scratch, 'snakeoil.key');
    const certOut = path.join(scratch, 'snakeoil.pem');
    await runHostCommand(openssl, [
      'req', '-new', '-x509', '-days', '3650', '-nodes', '-sha256', '-newkey', 'rsa:2048',
      '-subj', `/CN=${commonName}`, '-keyout', keyOut, '-out', certOut,
    ]);
    // Key first: it is the secret, so it is gone even if writing the certificate then fails.
    await replaceRegular(root, SNAKEOIL_KEY, await fs.readFile(keyOut), ownershipOf(key.stat));
    const certOwner = cert.kind === 'regular' ? ownershipOf(cert.stat) : NEW_CERT_OWNERSHIP;
    await replaceRegular(root, SNAKEOIL_CERT, await fs.readFile(certOut), certOwner);
  });
  return { changed: true, detail: `replaced ${SNAKEOIL_KEY} and ${SNAKEOIL_CERT} (CN=${commonName})` };
}
