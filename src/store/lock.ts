// Kernel-released locks (fcntl, via a child that holds them): a killed run can never leave a stale lock behind.
import { execa, type ResultPromise } from 'execa';
import { ModuleError } from '../core/errors.js';
import { LOCK_HELPER } from './lock-helper.js';
import { onLines } from '../core/lines.js';

export interface HeldLock {
  file: string;
  release(): Promise<void>;
}

export type LockOutcome = { held: HeldLock } | { missing: string };

export interface LockRequest {
  file: string;
  timeoutSeconds: number;
  create: boolean;
  signal?: AbortSignal;
  onWait?: () => void;
  /** The one-line failure when the wait times out. */
  timeoutMessage: string;
}

function nextLine(child: ResultPromise, onLine: (line: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    onLines(child.stdout, (line) => {
      if (!onLine(line)) return false;
      resolve();
      return true;
    });
    child.then(() => resolve(), reject);
  });
}

export async function acquireLock(request: LockRequest): Promise<LockOutcome> {
  const child = execa('perl', ['-e', LOCK_HELPER, request.file, String(request.timeoutSeconds), request.create ? '1' : '0'], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cancelSignal: request.signal,
  });
  let last = '';
  await nextLine(child, (line) => {
    last = line;
    if (line === 'waiting') request.onWait?.();
    return line !== 'waiting';
  }).catch((error) => {
    throw new ModuleError(`Cannot take the lock ${request.file}: ${(error as Error).message}`, { cause: error });
  });
  if (last === 'locked') {
    return {
      held: {
        file: request.file,
        async release() {
          child.stdin?.end();
          await child;
        },
      },
    };
  }
  await child;
  if (last === 'timeout') throw new ModuleError(request.timeoutMessage);
  if (/No such file|Read-only file system|Permission denied|not a regular file|Too many levels of symbolic links/.test(last)) return { missing: last.replace(/^error: /, '') };
  throw new ModuleError(`Cannot take the lock ${request.file}: ${last.replace(/^error: /, '') || 'the lock helper (perl) failed'}`);
}
