// Errors in ltsp.conf name the file and line, so an admin can find the line that ltsp_image cannot read.
import { ModuleError } from '../core/errors.js';

/** Where every such error ends: what to do instead of a line ltsp_image will not evaluate. */
export const CONF_FIX = 'in the sections read for images (the top, [common], [server], [image/] and this server\'s [MAC]/[IP]/[HOSTNAME]) keep to VAR=value and INCLUDE=section lines, move the rest to [clients], or set ltsp_conf: "" to ignore the file';

export function confError(file: string, line: number, problem: string, fix = CONF_FIX): ModuleError {
  return new ModuleError(`${file}:${line}: ${problem}; ${fix}`);
}
