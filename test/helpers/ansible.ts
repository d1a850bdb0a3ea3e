// Runs real ansible-playbook and ansible-doc against localhost with the bundled modules, and reads the json callback's results.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bundleDir, projectRoot } from './run-module.js';

export interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  [key: string]: unknown;
}

export interface PlaybookRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Task name -> the localhost result, from the json stdout callback. */
  tasks: Map<string, TaskResult>;
}

/** The JSON stdout callback the tests read results from (ansible-core ships none). */
const callbackDir = path.join(projectRoot, 'test/helpers/callback');
export const JSON_CALLBACK = 'json_results';

export function ansibleEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ANSIBLE_LIBRARY: bundleDir,
    ANSIBLE_CONFIG: path.join(projectRoot, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
    ANSIBLE_LOCAL_TEMP: path.join(projectRoot, '.scratch/ansible-local'),
    ANSIBLE_REMOTE_TEMP: path.join(projectRoot, '.scratch/ansible-remote'),
    ANSIBLE_CALLBACK_PLUGINS: callbackDir,
    ...extra,
  };
}

export async function runPlaybook(playbook: string, args: string[] = [], env: Record<string, string> = {}): Promise<PlaybookRun> {
  const child = await execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', ...args, playbook], {
    env: ansibleEnv({ ANSIBLE_STDOUT_CALLBACK: JSON_CALLBACK, ...env }),
    reject: false,
    cwd: projectRoot,
  });
  const tasks = new Map<string, TaskResult>();
  try {
    const doc = JSON.parse(child.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[] };
    for (const play of doc.plays) for (const task of play.tasks) tasks.set(task.task.name, task.hosts.localhost ?? {});
  } catch {
    // Left empty: the caller's assertions show stdout and stderr.
  }
  return { code: child.exitCode ?? -1, stdout: child.stdout, stderr: child.stderr, tasks };
}

export async function ansibleDoc(module: string): Promise<string> {
  const { stdout } = await execa('ansible-doc', ['-M', bundleDir, module], { env: ansibleEnv({ PAGER: 'cat' }), cwd: projectRoot });
  return stdout;
}

/** Builds the collection tarball (npm run collection) and installs it under dir, as a user would with ansible-galaxy. */
export async function installCollection(dir: string): Promise<void> {
  const build = await execa(process.execPath, [path.join(projectRoot, 'scripts/collection.mjs')], { reject: false, all: true });
  assert.equal(build.exitCode, 0, build.all);
  const tarball = fs.readdirSync(path.join(projectRoot, 'dist-collection')).find((f) => f.endsWith('.tar.gz'))!;
  const install = await execa('ansible-galaxy', ['collection', 'install', '-p', dir, path.join(projectRoot, 'dist-collection', tarball)], { reject: false, all: true });
  assert.equal(install.exitCode, 0, install.all);
}
