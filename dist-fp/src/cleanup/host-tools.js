// New keys come from the host's ssh-keygen and openssl, run in a private scratch directory so that they never write through the untrusted tree.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
// Key generation takes well under a second; a hung tool (e.g. starved of entropy) should fail the build, not stall it.
const TOOL_TIMEOUT_MS = 120_000;
/** The absolute path of an executable named `name` on the host's PATH, or null when there is none. */
export async function findHostCommand(name) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
        if (dir === '' || !path.isAbsolute(dir))
            continue;
        const candidate = path.join(dir, name);
        try {
            const stat = await fs.stat(candidate);
            if (!stat.isFile())
                continue;
            await fs.access(candidate, constants.X_OK);
            return candidate;
        }
        catch {
            // Not in this directory.
        }
    }
    return null;
}
/** Runs a host tool without a shell and without stdin; throws with its stderr when it fails. */
export async function runHostCommand(file, args) {
    const result = await execa(file, args, {
        stdin: 'ignore',
        reject: false,
        timeout: TOOL_TIMEOUT_MS,
        env: { LC_ALL: 'C' },
    });
    if (result.failed) {
        const stderr = typeof result.stderr === 'string' ? result.stderr.trim() : '';
        const reason = result.timedOut ? 'timed out' : `exit code ${String(result.exitCode)}`;
        throw new Error(`${path.basename(file)} failed (${reason})${stderr === '' ? '' : `: ${stderr}`}`);
    }
}
/** Gives `use` a fresh 0700 directory under the host's temp dir and removes it afterwards, whatever happens. */
export async function withScratchDir(use) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ltsp-cleanup-'));
    try {
        return await use(dir);
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
}
//# sourceMappingURL=host-tools.js.map