// Clients booted from an image with the server's ssh host keys could impersonate the server to anyone who trusts it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findHostCommand, runHostCommand, withScratchDir } from './host-tools.js';
import { describeSkips, inspect, removeEntry, replaceRegular } from './tree-fs.js';
import { countedList, joinDetail, messageOf } from './types.js';
/** The key types the reference tool looks for, in its order. */
export const SSH_HOST_KEY_TYPES = ['dsa', 'ecdsa', 'ed25519', 'rsa'];
// What sshd and ssh-keygen themselves use: the private key must not be readable by others or sshd refuses it.
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;
function keyPath(type) {
    return `etc/ssh/ssh_host_${type}_key`;
}
async function findPresentKeys(root) {
    const present = [];
    const skipped = [];
    for (const type of SSH_HOST_KEY_TYPES) {
        const rel = keyPath(type);
        const entry = await inspect(root, rel);
        if (entry.kind === 'missing')
            continue;
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
async function replaceKey(root, keygen, scratch, key) {
    const out = path.join(scratch, path.basename(key.rel));
    let failure = null;
    try {
        await runHostCommand(keygen, ['-q', '-N', '', '-t', key.type, '-f', out]);
    }
    catch (error) {
        failure = messageOf(error);
    }
    // A stale private key is what this step exists to get rid of, so it is deleted whatever happened above.
    await removeEntry(root, key.rel);
    await removeEntry(root, `${key.rel}.pub`);
    if (failure !== null)
        return failure;
    await replaceRegular(root, key.rel, await fs.readFile(out), { uid: key.uid, gid: key.gid, mode: PRIVATE_MODE });
    await replaceRegular(root, `${key.rel}.pub`, await fs.readFile(`${out}.pub`), {
        uid: key.uid,
        gid: key.gid,
        mode: PUBLIC_MODE,
    });
    return null;
}
export async function replaceSshHostKeys(root) {
    const { present, skipped } = await findPresentKeys(root);
    if (present.length === 0)
        return { changed: false, detail: skipped.length > 0 ? joinDetail(skipped) : 'no host keys' };
    const types = present.map((key) => key.type);
    const keygen = await findHostCommand('ssh-keygen');
    if (keygen === null) {
        const kept = countedList(present.length, 'host key', 'host keys', types);
        return { changed: false, detail: joinDetail([`ssh-keygen not found on the host, kept ${kept}`, ...skipped]) };
    }
    const replaced = [];
    const removedOnly = [];
    await withScratchDir(async (scratch) => {
        for (const key of present) {
            const failure = await replaceKey(root, keygen, scratch, key);
            if (failure === null)
                replaced.push(key.type);
            else
                removedOnly.push(`${key.type} (${failure})`);
        }
    });
    const parts = [];
    if (replaced.length > 0)
        parts.push(`replaced ${countedList(replaced.length, 'host key', 'host keys', replaced)}`);
    if (removedOnly.length > 0) {
        parts.push(`removed without replacement ${countedList(removedOnly.length, 'host key', 'host keys', removedOnly)}`);
    }
    return { changed: true, detail: joinDetail([...parts, ...skipped]) };
}
//# sourceMappingURL=ssh-host-keys.js.map