// Checks every field of a state file that a module reads, so a record that passes can never make ltsp_image_info or a build fail later.
import { LIST_PATTERN } from '../packages/status.js';
import { STATE_FORMAT } from './state.js';

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (item: Check): Check => (v) => Array.isArray(v) && v.every(item);
const count: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const seconds: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const digits: Check = (v) => typeof v === 'string' && /^\d{1,30}$/.test(v);
const sha256: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const date: Check = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const source: Check = (v) => isObject(v) && isString((v as { path: unknown }).path) && isString((v as { kind: unknown }).kind) && listOf(isString)((v as { options: unknown }).options);
/** A manifest is a file name in the images dir, never a path elsewhere. */
const manifest: Check = (v) => v === null || (typeof v === 'string' && /^\.[^/]+\.g\d+\.manifest\.gz$/.test(v));
const kernel: Check = (v) =>
  v === null || (isObject(v) && ['vmlinuz', 'initrd'].every((k) => isString((v as Record<string, unknown>)[k])) && ['vmlinuzSha256', 'initrdSha256'].every((k) => sha256((v as Record<string, unknown>)[k])));
const image: Check = (v) => {
  const i = v as Record<string, unknown>;
  return isObject(v) && count(i.size) && digits(i.mtimeNs) && count(i.ino) && count(i.dev) && (i.sha256 === undefined || sha256(i.sha256));
};

const optional = (check: Check): Check => (v) => v === undefined || v === null || check(v);
const driftCounts: Check = (v) => isObject(v) && ['added', 'removed', 'modified'].every((k) => count((v as Record<string, unknown>)[k]));
const bootCheck: Check = (v) => isObject(v) && date((v as Record<string, unknown>).at) && seconds((v as Record<string, unknown>).seconds) && isString((v as Record<string, unknown>).accel);
const pruneRecord: Check = (v) => {
  const p = v as Record<string, unknown>;
  return isObject(v) && count(p.keep) && (p.keepDays === null || count(p.keepDays)) && seconds(p.graceHours);
};
const readiness: Check = (v) => isObject(v) && ['checked', 'problems', 'warnings'].every((k) => listOf(isString)((v as Record<string, unknown>)[k]));
const historyEntry: Check = (v) => {
  const e = v as Record<string, unknown>;
  return isObject(v) && Number.isSafeInteger(e.generation) && date(e.builtAt) && seconds(e.buildSeconds) && optional(isString)(e.reason) && optional(driftCounts)(e.drift) && optional(listOf(isString))(e.configChanges) && optional(count)(e.size) && optional(Number.isSafeInteger as Check)(e.sizeDelta) && optional(isString)(e.packages) && optional(bootCheck)(e.bootCheck);
};

const change: Check = (v) => isObject(v) && ['name', 'from', 'to'].every((k) => isString((v as Record<string, unknown>)[k]));
const packages: Check = (v) => {
  const p = v as Record<string, unknown>;
  return isObject(v) && listOf(isString)(p.added) && listOf(isString)(p.removed) && listOf(change)(p.upgraded) && listOf(change)(p.downgraded);
};
const sizes: Check = (v) => isObject(v) && Object.values(v as object).every(count);
const growth: Check = (v) => {
  const g = v as Record<string, unknown>;
  const contributor: Check = (c) => isObject(c) && isString((c as Record<string, unknown>).name) && Number.isSafeInteger((c as Record<string, unknown>).delta);
  return isObject(v) && count(g.size) && optional(count)(g.previous) && optional(Number.isSafeInteger as Check)(g.delta) && optional(Number.isFinite as Check)(g.percent) && listOf(contributor)(g.contributors);
};

const FIELDS: [string, Check][] = [
  ['toolVersion', isString],
  ['imageName', isString],
  ['generation', (v) => Number.isSafeInteger(v) && (v as number) >= 1],
  ['builtAt', date],
  ['buildSeconds', seconds],
  ['sources', listOf(isString)],
  ['fingerprint', isString],
  ['compare', (v) => v === 'mtime' || v === 'checksum'],
  ['configHash', isString],
  ['config', isObject],
  ['resolvedSources', listOf(source)],
  ['excludes', listOf(isString)],
  ['sourceIdentities', listOf(isString)],
  ['image', image],
  ['kernel', kernel],
  ['manifest', manifest],
  ['xattrsCompared', (v) => v === undefined || typeof v === 'boolean'],
  ['linksCompared', (v) => v === undefined || typeof v === 'boolean'],
  ['revertedAt', (v) => v === undefined || date(v)],
  ['displacedAt', (v) => v === undefined || date(v)],
  ['prune', (v) => v === undefined || pruneRecord(v)],
  ['reason', optional(isString)],
  ['drift', optional(driftCounts)],
  ['configChanges', optional(listOf(isString))],
  ['history', (v) => v === undefined || listOf(historyEntry)(v)],
  ['bootCheck', optional(bootCheck)],
  ['readiness', optional(readiness)],
  ['packageList', optional((v) => typeof v === 'string' && LIST_PATTERN.test(v))],
  ['packages', optional(packages)],
  ['packagesSummary', optional(isString)],
  ['topSizes', optional(sizes)],
  ['growth', optional(growth)],
];

/** null when `value` is a state record every module can use, else the first field that is wrong. */
export function checkState(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  const s = value as Record<string, unknown>;
  if (s.format !== STATE_FORMAT) return 'format';
  const bad = FIELDS.find(([key, check]) => !check(s[key]));
  return bad ? bad[0] : null;
}
