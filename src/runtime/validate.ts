// Validates options with the validator generated from the module's schema (defaults applied) and turns its errors into one line that names the option and the fix.
import type { ErrorObject } from 'ajv';
import { coerceStrings } from './coerce.js';
import { ModuleError } from '../core/errors.js';
import { RUNTIME_KEYS } from './context.js';

interface OptionsSchema {
  properties: Record<string, { type?: string | string[]; enum?: unknown[] }>;
  required?: string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value);
  const short = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  return `${typeof value === 'number' ? (Number.isInteger(value) ? 'an integer' : 'a number') : `a ${typeof value}`} (${short})`;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean',
  integer: 'an integer',
  number: 'a number',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

function expected(types: string | string[]): string {
  return ([] as string[]).concat(types).map((t) => typeNames[t] ?? t).join(' or ');
}

function optionName(error: ErrorObject): string {
  return error.instancePath.replace(/^\//, '').replace(/\//g, '.') || String(error.params.missingProperty ?? '');
}

function message(error: ErrorObject, options: Record<string, unknown>, schema: OptionsSchema): string {
  const name = optionName(error);
  const top = name.split('.')[0] ?? name;
  const given = name.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], options);
  switch (error.keyword) {
    case 'required':
      return `Missing required option: ${error.params.missingProperty}`;
    case 'type': {
      const prop = schema.properties[top];
      const want = name === top && prop?.type ? prop.type : (error.params.type as string);
      return `Option ${name} must be ${expected(want)}, got ${describe(given)}`;
    }
    case 'enum':
      return `Option ${name} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(given)}`;
    case 'minimum':
    case 'maximum':
      return `Option ${name} ${error.message}, got ${describe(given)}`;
    default:
      return `Option ${name} ${error.message ?? 'is invalid'}`;
  }
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export function makeValidator<T>(optionsSchema: Record<string, unknown>, validate: CompiledValidator): (raw: Record<string, unknown>) => T {
  const schema = optionsSchema as unknown as OptionsSchema;
  const valid = [...Object.keys(schema.properties), ...RUNTIME_KEYS].sort();
  return (raw) => {
    const unknown = Object.keys(raw).filter((key) => !(key in schema.properties));
    if (unknown.length) {
      const shown = unknown.map((k) => JSON.stringify(k).slice(0, 60)).join(', ');
      throw new ModuleError(`Unsupported option${unknown.length > 1 ? 's' : ''} ${shown}; valid options are: ${valid.join(', ')}`);
    }
    const options = structuredClone(coerceStrings(raw, schema.properties));
    // JSON's 1e400 parses to Infinity, which the schema's integer check lets through.
    const infinite = Object.entries(options).find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
    if (infinite) throw new ModuleError(`Option ${infinite[0]} must be a finite number, got ${infinite[1]}`);
    if (!validate(options)) {
      const first = validate.errors?.[0];
      throw new ModuleError(first ? message(first, options, schema) : 'Invalid options');
    }
    return options as T;
  };
}
