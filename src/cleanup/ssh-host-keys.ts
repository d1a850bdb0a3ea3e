// Clients booted from an image with the server's ssh host keys could impersonate the server to anyone who trusts it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findExecutable } from '../core/executable.js';
import { runHostCommand, withScratchDir } from './host-tools.js';
import { describeSkips, inspect, removeEntry, replaceRegular, type TreeEntry } from './tree-fs.js';
import { countedList, joinDetail, type CleanupContext, type StepOutcome } from './types.js';
import { errorMessage } from '../core/errors.js';

/** The key types the reference tool looks for, in its order. */
export const SSH_HOST_KEY_TYPES = ['dsa', 'ecdsa', 'ed25519', 'rsa'] as const;
export type SshHostKeyType = (typeof SSH_HOST_KEY_TYPES)[number];

// What sshd and ssh-keygen themselves use: the private key must not be readable by others or sshd refuses it.
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

interface PresentKey {
  type: SshHostKeyType;
  rel: string;
  uid: number;
  gid: number;
}

function keyPath(type: SshHostKeyType): string {
  return `etc/ssh/ssh_host_${type}_key`;
}

async function findPresentKeys(root: string): Promise<{ present: PresentKey[]; skipped: string[] }> {
  const present: PresentKey[] = [];
  const skipped: Array<{ rel: string; entry: TreeEntry }> = [];
  for (const type of SSH_HOST_KEY_TYPES) {
    const rel = keyPath(type);
    const entry = await inspect(root, rel);
    if (entry.kind === 'missing') continue;
    if (entry.kind !== 'regular') {
      skipped.push({ rel, entry });
      continue;
    }
    // The .pub is removed and rewritten, so it must not be a directory.
    const pub = await inspect(root, `${rel}.pub`);
    if (pub.kind === 'directory') {
      skipped.push({ rel: `${rel}.pub`, entry: pub });
      continue;
    }
    present.push({ type, rel, uid: entry.stat.uid, gid: entry.stat.gid });
  }
  return { present, skipped: describeSkips(skipped) };
}

/** Generates one key pair in `scratch` and swaps it in; an old key goes even when generation fails. */
async function replaceKey(root: string, keygen: string, scratch: string, key: PresentKey): Promise<string | null> {
  const out = path.join(scratch, path.basename(key.rel));
  let failure: string | null = null;
  try {
    await runHostCommand(keygen, ['-q', '-N', '', '-t', key.type, '-f', out]);
  } catch (error) {
    failure = errorMessage(error);
  }
  // A stale private key is what this step exists to get rid of, so it is deleted whatever happened above.
  await removeEntry(root, key.rel);
  await removeEntry(root, `${key.rel}.pub`);
  if (failure !== null) return failure;
  await replaceRegular(root, key.rel, await fs.readFile(out), { uid: key.uid, gid: key.gid, mode: PRIVATE_MODE });
  await replaceRegular(root, `${key.rel}.pub`, await fs.readFile(`${out}.pub`), {
    uid: key.uid,
    gid: key.gid,
    mode: PUBLIC_MODE,
  });
  return null;
}

/**
 * The default exclude list keeps every host key out of the image, so generating new ones (most of the cleanup's
 * time, for RSA) would be wasted: those are only deleted, which leaves the same image and no old key even if an
 * exclude did not apply. Keys the image does keep (the user dropped that exclude) get new ones.
 */
export async function replaceSshHostKeys(root: string, context: CleanupContext = { excluded: () => false }): Promise<StepOutcome> {
  const found = await findPresentKeys(root);
  const { skipped } = found;
  const left = found.present.filter((key) => context.excluded(key.rel) && context.excluded(`${key.rel}.pub`));
  for (const key of left) {
    await removeEntry(root, key.rel);
    await removeEntry(root, `${key.rel}.pub`);
  }
  const removed = left.length ? [`removed ${countedList(left.length, 'host key', 'host keys', left.map((k) => k.type))} that the excludes keep out of the image`] : [];
  const present = found.present.filter((key) => !left.includes(key));
  if (present.length === 0) {
    return { changed: left.length > 0, detail: removed.length || skipped.length ? joinDetail([...removed, ...skipped]) : 'no host keys' };
  }

  const types = present.map((key) => key.type);
  const keygen = findExecutable('ssh-keygen');
  if (keygen === null) {
    const kept = countedList(present.length, 'host key', 'host keys', types);
    return { changed: left.length > 0, detail: joinDetail([...removed, `ssh-keygen not found on the host, kept ${kept}`, ...skipped]) };
  }

  const replaced: string[] = [];
  const removedOnly: string[] = [];
  await withScratchDir(async (scratch) => {
    for (const key of present) {
      const failure = await replaceKey(root, keygen, scratch, key);
      if (failure === null) replaced.push(key.type);
      else removedOnly.push(`${key.type} (${failure})`);
    }
  });

  const parts: string[] = [...removed];
  if (replaced.length > 0) parts.push(`replaced ${countedList(replaced.length, 'host key', 'host keys', replaced)}`);
  if (removedOnly.length > 0) {
    parts.push(`removed without replacement ${countedList(removedOnly.length, 'host key', 'host keys', removedOnly)}`);
  }
  return { changed: true, detail: joinDetail([...parts, ...skipped]) };
}
