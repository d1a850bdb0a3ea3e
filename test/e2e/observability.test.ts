// Metrics for node_exporter, one syslog line per phase, and the plain stdin/stdout protocol Salt's stateful cmd.run reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runModule } from '../helpers/run-module.js';
import { useSandbox } from '../helpers/sandbox.js';
import { settle, waitFor } from '../helpers/settle.js';
import { listenSyslog } from '../helpers/syslog.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text exposition format: every line a HELP, a TYPE, or a sample of a declared metric. */
function parsePrometheus(text: string): Sample[] {
  const declared = new Map<string, string>();
  const samples: Sample[] = [];
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.trimEnd().split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (m) continue;
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|untyped)$/.exec(line);
    if (m) {
      declared.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\} (-?[0-9.e+]+)$/.exec(line);
    assert.ok(m, `not a valid exposition line: ${line}`);
    assert.ok(declared.has(m[1]!), `sample before its TYPE: ${line}`);
    const labels = Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

describe('metrics, logs and the plain protocol', function () {
  const box = useSandbox('obs-', 'dir');
  let metrics: string;
  const args = (extra: Record<string, unknown> = {}) => ({
    name: box.source,
    image_name: 'obs',
    base_dir: box.base,
    tftp_dir: box.tftp,
    metrics_file: metrics,
    ...extra,
  });
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  before(async function () {
    metrics = path.join(box.scratch, 'ltsp_image_obs.prom');
    fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'obs\n');
    await settle();
  });

  it('writes valid Prometheus metrics after a build, an ok run and a failure', async () => {
    assert.equal((await runModule('ltsp_image', args())).result.changed, true);
    let samples = parsePrometheus(fs.readFileSync(metrics, 'utf8'));
    assert.equal(value(samples, 'ltsp_image_result', { image: 'obs', result: 'changed' }), 1);
    assert.equal(value(samples, 'ltsp_image_generation', { image: 'obs' }), 1);
    assert.equal(value(samples, 'ltsp_image_drifted'), 0);
    assert.ok(value(samples, 'ltsp_image_size_bytes')! > 0);
    assert.ok(Math.abs(value(samples, 'ltsp_image_last_run_timestamp_seconds')! - Date.now() / 1000) < 60);

    assert.equal((await runModule('ltsp_image', args())).result.changed, false);
    samples = parsePrometheus(fs.readFileSync(metrics, 'utf8'));
    assert.equal(value(samples, 'ltsp_image_result', { result: 'ok' }), 1);
    assert.equal(value(samples, 'ltsp_image_result', { result: 'changed' }), 0);

    // A build that fails at mksquashfs (bad mksquashfs_params are refused before the image is even looked at).
    const failed = await runModule('ltsp_image', args({ force: true }), { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    assert.equal(failed.code, 1);
    samples = parsePrometheus(fs.readFileSync(metrics, 'utf8'));
    assert.equal(value(samples, 'ltsp_image_result', { result: 'failed' }), 1);
    assert.equal(value(samples, 'ltsp_image_generation'), 1, 'the active image is still generation 1');
    assert.deepEqual(fs.readdirSync(box.scratch).filter((n) => n.includes('.tmp')), [], 'a temp metrics file was left');

    const before = fs.readFileSync(metrics, 'utf8');
    await runModule('ltsp_image', args({ _ansible_check_mode: true }));
    assert.equal(fs.readFileSync(metrics, 'utf8'), before, 'check mode wrote metrics');
  });

  it("a run killed while writing the metrics leaves a temp, which a later run removes once it is stale, never a fresh one", async () => {
    const dir = path.dirname(metrics);
    const temps = () => fs.readdirSync(dir).filter((n) => n.startsWith(`.${path.basename(metrics)}.`) && n.endsWith('.tmp'));
    let step = 1;
    for (; ; step++) {
      const run = await runModule('ltsp_image', args(), { env: { LTSP_IMAGE_CRASH_AT: String(step) } }).catch((error: Error) => error);
      assert.ok(run instanceof Error, `the run got past its writes without reaching the metrics file's (step ${step})`);
      if (temps().length > 0) break;
    }
    const [killed] = temps();
    const fresh = `.${path.basename(metrics)}.0123456789ab.tmp`;
    fs.writeFileSync(path.join(dir, fresh), 'a concurrent writer\n');
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    assert.deepEqual(temps().sort(), [killed, fresh].sort(), 'a temp of minutes ago could be a live writer\'s');
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    fs.utimesSync(path.join(dir, killed!), hourAgo, hourAgo);
    assert.equal((await runModule('ltsp_image', args())).code, 0);
    assert.deepEqual(temps(), [fresh]);
    fs.rmSync(path.join(dir, fresh));
  });

  it('logs one line per phase to syslog', async () => {
    const syslog = await listenSyslog(box.scratch);
    try {
      fs.writeFileSync(path.join(box.source, 'etc/hostname'), 'obs2\n');
      await settle();
      const run = await runModule('ltsp_image', args({ metrics_file: null }), { env: syslog.env });
      assert.equal(run.result.changed, true, run.stdout);
      await waitFor(() => /ltsp_image\[\d+\]: .*Built/.test(syslog.read()), 'the last syslog line', 10_000);
      const log = syslog.read();
      for (const phase of ['resolved', 'source_changed: .* \\(source walked\\)', 'mount done', 'cleanup done', 'mksquashfs done', 'Built']) {
        assert.match(log, new RegExp(`ltsp_image\\[\\d+\\]: .*${phase}`), `no ${phase} line in:\n${log}`);
      }
      const noop = await runModule('ltsp_image', args({ metrics_file: null }), { env: syslog.env });
      assert.equal(noop.result.reason, 'up_to_date', noop.stdout);
      await waitFor(() => /up_to_date: .*source not walked: find's stat stream/.test(syslog.read()), 'the no-op says it did not walk', 10_000);
    } finally {
      await syslog.stop();
    }
  });

  it('speaks the plain protocol Salt reads: JSON on stdin, one object out with changed and comment', async () => {
    const { stdout, exitCode } = await execa('bundle/ltsp_image', { input: JSON.stringify(args({ metrics_file: null })), reject: false });
    const result = JSON.parse(stdout) as { changed: boolean; comment: string; msg: string };
    assert.equal(exitCode, 0);
    assert.equal(result.changed, false);
    assert.equal(result.comment, result.msg);
  });
});
