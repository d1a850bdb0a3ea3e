// Runs a bundled module as Ansible or a pipe would, and insists that stdout holds exactly one JSON object.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const bundleDir = path.join(projectRoot, 'bundle');
export const node18 = path.join(projectRoot, 'node_modules/node/bin/node');
/** The bundles with the crash and fail points, which the released ones compile out (scripts/bundle.mjs). */
export const faultsBundleDir = path.join(projectRoot, 'dist/faults');
/** The variables that arm those points (src/core/crashpoint.ts, failpoint.ts). */
export const FAULT_VARIABLES = ['LTSP_IMAGE_CRASH_AT', 'LTSP_IMAGE_FAILPOINT'];

/** The bundle a run uses: the released one, or the one with the fault points when `env` arms one. */
export function moduleFile(name: string, env: Record<string, string> = {}): string {
  return path.join(FAULT_VARIABLES.some((v) => env[v] !== undefined) ? faultsBundleDir : bundleDir, name);
}

export interface ModuleRun {
  code: number;
  stdout: string;
  stderr: string;
  result: Record<string, unknown> & { changed?: boolean; failed?: boolean; msg?: string };
}

export interface RunOptions {
  /** Pass the args as a file path (Ansible's WANT_JSON way) instead of stdin. */
  argv?: string[];
  node?: string;
  /** Arguments of `node` before the module file (a wrapper such as unshare, ending with the Node binary). */
  prefix?: string[];
  cwd?: string;
  env?: Record<string, string>;
  file?: string;
  /** Send the input on stdin even though argv is given. */
  stdinToo?: boolean;
}

export function parseSingleJson(stdout: string): ModuleRun['result'] {
  const trimmed = stdout.trim();
  assert.ok(trimmed.startsWith('{') && trimmed.endsWith('}'), `stdout is not one JSON object: ${stdout.slice(0, 500)}`);
  assert.equal(trimmed.split('\n').length, 1, `stdout has more than one line: ${stdout.slice(0, 500)}`);
  return JSON.parse(trimmed) as ModuleRun['result'];
}

export async function runModule(name: string, input: unknown, options: RunOptions = {}): Promise<ModuleRun> {
  const file = options.file ?? moduleFile(name, options.env);
  const stdin = typeof input === 'string' || Buffer.isBuffer(input) ? input : JSON.stringify(input);
  const child = await execa(options.node ?? process.execPath, [...(options.prefix ?? []), file, ...(options.argv ?? [])], {
    input: options.argv?.length && !options.stdinToo ? undefined : stdin,
    stdin: options.argv?.length && !options.stdinToo ? 'ignore' : undefined,
    cwd: options.cwd ?? projectRoot,
    env: options.env ?? {},
    reject: false,
    encoding: 'utf8',
  });
  const stdout = String(child.stdout);
  return { code: child.exitCode ?? -1, stdout, stderr: String(child.stderr), result: parseSingleJson(stdout) };
}

/** A failed run: exit 1, failed true, and a one-line msg matching `pattern`. */
export function assertFailed(run: ModuleRun, pattern: RegExp): void {
  assert.equal(run.code, 1, `expected exit 1, got ${run.code}: ${run.stdout} ${run.stderr}`);
  assert.equal(run.result.failed, true);
  assert.equal(run.result.changed, false);
  assert.match(String(run.result.msg), pattern);
  assert.equal(run.result.comment, run.result.msg);
  assert.ok(!String(run.result.msg).includes('\n'), 'msg is one line');
  assert.equal(run.result.exception, undefined, 'no stack trace without verbosity');
}
