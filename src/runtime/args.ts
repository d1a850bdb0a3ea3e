// Reads the module arguments the way Ansible (WANT_JSON: a file named by argv) and plain runners (stdin) hand them over.
import fs from 'node:fs';
import { ModuleError, errorCode } from '../core/errors.js';

export type RawArgs = Record<string, unknown>;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new ModuleError('No arguments: pass a JSON args file path, or pipe one JSON object on stdin, e.g. echo \'{"name": "x86_64"}\' | ltsp_image');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = errorCode(error) ?? 'error';
    throw new ModuleError(`Cannot read the arguments file ${file} (${code}): pass a readable JSON file, or pipe JSON on stdin`, { cause: error });
  }
}

export function parseArgs(text: string, origin: string): RawArgs {
  if (!text.trim()) throw new ModuleError(`No arguments in ${origin}: expected one JSON object such as {"name": "x86_64"}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModuleError(`Arguments in ${origin} are not valid JSON (${(error as Error).message}): expected one JSON object such as {"name": "x86_64"}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ModuleError(`Arguments in ${origin} are ${kind}, not a JSON object: expected one object such as {"name": "x86_64"}`);
  }
  return value as RawArgs;
}

/** argv is what follows the script path: [] reads stdin, [file] reads that file. */
export async function readArgs(argv: readonly string[]): Promise<RawArgs> {
  const file = argv[0];
  if (file === undefined || file === '-') return parseArgs(await readStdin(), 'stdin');
  return parseArgs(readFile(file), file);
}
