// ./pipeline plan shows the parallelism a deploy would give: totalExecutorCores 0 follows the
// workers of the configured instance type, resolved as the synth resolves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const bootstrap = join(root, 'artifacts/functions/bootstrap');
const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;

function plan(pipeline, workerInstanceType) {
  return spawnSync(bootstrap, ['plan', JSON.stringify({ date: '2026-02-12' })], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(pipeline), PIPELINE_WORKER_INSTANCE_TYPE: workerInstanceType },
  });
}

const totals = (text) => [...text.matchAll(/'--total-executor-cores' '(\d+)'/g)].map((m) => Number(m[1]));

for (const [workers, type, total] of [[2, 't3.large', 4], [3, 't3.large', 6], [10, 't3.large', 20], [2, 'm5.2xlarge', 16]]) {
  test(`the plan for ${workers} ${type} workers asks for ${total} executor cores`, () => {
    const result = plan({ ...context.pipeline, workerCount: workers, submit: { ...context.pipeline.submit, totalExecutorCores: 0 } }, type);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(totals(result.stdout), [total, total]);
  });
}

test('a plan whose explicit total the workers cannot host is refused naming both settings', () => {
  const result = plan({ ...context.pipeline, workerCount: 2, submit: { ...context.pipeline.submit, totalExecutorCores: 12 } }, 't3.large');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Pipeline.InvalidSettings/);
  assert.match(result.stderr, /pipeline.submit.totalExecutorCores: 12 cores do not fit pipeline.workerCount 2/);
});
