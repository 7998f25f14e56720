// ./pipeline local end to end: the real state machine, real bootstrap, moto, local nodes running
// the node scripts with the Spark stand-in. Checks what a newcomer's first run must show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const node = process.execPath;

function runLocal(...flags) {
  const result = spawnSync(node, [join(root, 'local/run-local.mjs'), ...flags], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, SPARK_HOME: '' } });
  const reportLine = result.stdout.split('\n').find((l) => l.startsWith('report: '));
  const report = reportLine ? JSON.parse(readFileSync(reportLine.slice('report: '.length), 'utf8')) : null;
  return { ...result, report };
}

test('a local run for a date succeeds and leaves both stages\' outputs in the local bucket', () => {
  const run = runLocal('--date', '2026-02-12');
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.equal(run.report.status, 'SUCCEEDED');
  for (const stage of Object.values(run.report.outputs)) assert.ok(stage.objects >= 2, `${stage.prefix} has data and _SUCCESS`);
  assert.ok(run.report.nodes.every((n) => n.state === 'stopped'));
  assert.equal(run.report.lockHolder, null);
  assert.equal(run.report.processesLeftRunning, 0);
  assert.match(run.stdout, /-> SubmitStage/);
  assert.match(run.stdout, /\[spark stand-in: simulated\] wrote \d+ row\(s\) and _SUCCESS/);
  assert.match(run.stdout, /cost of this run in AWS/);
  assert.ok(run.report.stateTransitions > 20 && run.report.lambdaInvocations > 10);
});

test('--fail-stage makes that stage fail: FAILED with its error, every node stopped, lock free', () => {
  const run = runLocal('--date', '2026-02-12', '--fail-stage', 'stage2');
  assert.equal(run.status, 1);
  assert.equal(run.report.status, 'FAILED');
  assert.equal(run.report.error.name, 'Pipeline.CommandFailed');
  assert.match(run.report.error.cause, /stage2_spatial_clustering/);
  assert.ok(run.report.nodes.every((n) => n.state === 'stopped'));
  assert.equal(run.report.lockHolder, null);
  assert.equal(run.report.processesLeftRunning, 0);
  assert.match(run.stdout, /FAILED: Pipeline.CommandFailed/);
});

test('bad flags and dates are refused with exit code 2 before anything starts', () => {
  for (const flags of [['--date', '2026-02-30'], ['--date', '12/02/2026'], [], ['--date', '2026-02-12', '--fail-stage', 'stage9'], ['--dat', '2026-02-12']]) {
    const run = runLocal(...flags);
    assert.equal(run.status, 2, `${flags.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /error: /);
    assert.doesNotMatch(run.stdout, /local AWS/);
  }
});

test('a date the pipeline refuses (in the future) is refused by the real ResolveRun, before anything starts', () => {
  const run = runLocal('--date', '2999-01-01');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /Pipeline.InvalidInput/);
});
