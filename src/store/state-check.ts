// Checks a state file against its schema (schemas/formats/image_state.schema.json), so a record that passes can never make ltsp_image_info or a build fail later.
import validate from '../generated/formats/image_state.validate.js';

/** null when `value` is a state record every module can use, else the first field that is wrong. */
export function checkState(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  if (validate(value)) return null;
  // The last error: after a oneOf's branches fail, it is the oneOf itself, the field a record got wrong.
  const error = validate.errors?.at(-1);
  const missing = error?.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
  return `${error?.instancePath ?? ''}${missing}`.slice(1).replaceAll('/', '.') || 'the record';
}
