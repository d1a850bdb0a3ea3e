// Applies /etc/ltsp/ltsp.conf (or the ltsp_conf option's file) to ltsp_image's options: explicit options win over it, it wins over defaults.
import fs from 'node:fs';
import os from 'node:os';
import { readConfigFile } from '../core/config-file.js';
import { evaluateForImage, type Evaluation } from './evaluate.js';
import { serverNetwork } from './network.js';
import { splitSections } from './sections.js';
import { confOptions, SETTINGS, type ConfOptions } from './settings.js';

export const DEFAULT_LTSP_CONF = '/etc/ltsp/ltsp.conf';

/** The file to read: the option's, or the default when it exists; none for "". */
export function confPath(option: string | null | undefined): string | null {
  if (option === '') return null;
  if (option === null || option === undefined) return fs.existsSync(DEFAULT_LTSP_CONF) ? DEFAULT_LTSP_CONF : null;
  return option;
}

/** The shell variables `ltsp image` has before it evaluates the file. */
function initialVariables(given: { base_dir?: string; tftp_dir?: string }): Map<string, string> {
  const vars = new Map<string, string>(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  vars.set('BASE_DIR', given.base_dir ?? (vars.get('BASE_DIR') || '/srv/ltsp'));
  vars.set('TFTP_DIR', given.tftp_dir ?? (vars.get('TFTP_DIR') || '/srv/tftp'));
  vars.set('HOME_DIR', vars.get('HOME_DIR') || '/home');
  vars.set('_APPLET', 'image');
  const hostname = vars.get('HOSTNAME') || os.hostname();
  if (hostname && hostname !== '(none)') vars.set('HOSTNAME', hostname);
  else vars.delete('HOSTNAME');
  return vars;
}

export interface LtspConf {
  file: string;
  evaluation: Evaluation;
  /** The options the file sets that were not given explicitly. */
  options: ConfOptions;
  /** option name -> FILE:LINE of the assignment it came from. */
  origins: Record<string, string>;
}

/**
 * explicit: the option values given by the caller (not defaults); they win over the file. only: the options this module
 * has. The file is read once, here, and only when root alone could have written it: its settings, and the hooks run
 * around the applet, all come from this one text.
 */
export function readLtspConf(file: string, explicit: Record<string, unknown>, warn: (message: string) => void, only?: readonly string[]): LtspConf {
  const sections = splitSections(file, readConfigFile(file, 'ltsp_conf', 'give an ltsp.conf file, or "" to ignore ltsp.conf'));
  const needsNetwork = sections.some((s) => s.line && !['common', 'server', 'clients', 'image/'].includes(s.pattern));
  const network = needsNetwork ? serverNetwork() : null;
  if (needsNetwork && !network) warn(`${file}: this server's MAC address could not be found (ip -o route/link), so its [MAC] and [IP] sections were not evaluated`);
  const vars = initialVariables(explicit as { base_dir?: string; tftp_dir?: string });
  const evaluation = evaluateForImage(file, sections, vars, network);
  const foreign = Object.values(SETTINGS).map((s) => s.option).filter((o) => only && !only.includes(o));
  const { options, origins } = confOptions(file, evaluation.assigned, new Set([...Object.keys(explicit), ...foreign]), warn);
  return { file, evaluation, options, origins };
}

/** The options with the file's settings applied where the caller gave none; conf is null when no file is read. */
export function withLtspConf<O extends { ltsp_conf?: string | null }>(
  options: O,
  explicitKeys: readonly string[],
  warn: (message: string) => void,
  only?: readonly string[],
): { options: O; conf: LtspConf | null } {
  const file = confPath(options.ltsp_conf);
  if (!file) return { options, conf: null };
  const values = options as Record<string, unknown>;
  const explicit = Object.fromEntries(explicitKeys.filter((key) => key in values).map((key) => [key, values[key]]));
  const conf = readLtspConf(file, explicit, warn, only);
  return { options: { ...options, ...conf.options }, conf };
}
