// New keys come from the host's ssh-keygen and openssl, run in a private scratch directory so that they never write through the untrusted tree.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

// Key generation takes well under a second; a hung tool (e.g. starved of entropy) should fail the build, not stall it.
const TOOL_TIMEOUT_MS = 120_000;

/** Runs a host tool without a shell and without stdin; throws with its stderr when it fails. */
export async function runHostCommand(file: string, args: readonly string[]): Promise<void> {
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
export async function withScratchDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ltsp-cleanup-'));
  try {
    return await use(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
