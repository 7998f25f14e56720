// Operations an Airflow user expects, in the acceptance style: the synthesized definitions, the real
// bootstrap, moto. Backfill over three dates with one failing, the sweeper stopping a forgotten
// node, the input sensor timing out (and succeeding when data arrives), run records under runs/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWorld, nodeStates, lockHolder, holdLock, keysUnder, putText } from '../../local/lib/world.mjs';
import { acceptanceSuite, bootstrap } from './support.mjs';
import { execute, startExecutionSync, handlerEnv } from '../../local/lib/execute.mjs';

let stack;
let aws;
const suite = acceptanceSuite('operations', (ready) => { ({ stack, aws } = ready); });
const environment = (settings, faults) => suite.environment(settings, faults);
const options = (...args) => suite.options(...args);

async function allStoppedAndFree(settings) {
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal(await lockHolder(aws, settings), null);
}

test('backfill over three dates with one failing: each date reported, children named after their dates', async () => {
  assert.ok(stack.backfill, 'the synthesized template holds the backfill state machine');
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-10', moreDates: ['2026-02-11', '2026-02-12'] });
  const env = environment(settings, { commands: [{ commentContains: 'stage1_anomaly_detection 2026-02-11', status: 'Failed', exitCode: 1, stderr: 'bad data on the 11th' }] });
  const children = [];
  const base = options(settings, env);
  const run = await execute(stack.backfill, { from: '2026-02-10', to: '2026-02-12', mode: 'all' }, {
    ...base, name: 'backfill-1',
    serviceTasks: { RunPipeline: startExecutionSync(base, (name, child) => { children.push({ name, status: child.status, error: child.error?.name }); }) },
  });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error.name, 'Pipeline.BackfillIncomplete');
  const summary = run.events.find((e) => e.type === 'StateExited' && e.state.name === 'Summarize').state.output;
  assert.deepEqual(summary.results.map((r) => [r.date, r.status]), [['2026-02-10', 'SUCCEEDED'], ['2026-02-11', 'FAILED'], ['2026-02-12', 'SUCCEEDED']]);
  assert.match(summary.results[1].cause, /Pipeline.CommandFailed/);
  assert.deepEqual(children.map((c) => c.name.slice(0, 14)), ['2026-02-10-bf-', '2026-02-11-bf-', '2026-02-12-bf-']);
  assert.deepEqual(children.map((c) => c.error ?? null), [null, 'Pipeline.CommandFailed', null]);
  await allStoppedAndFree(settings);

  // Run records: the latest record of the 11th says FAILED, so "failed" re-runs only that date.
  assert.equal((await keysUnder(aws, settings, 'runs/dt=2026-02-11/')).length, 1);
  const again = await execute(stack.backfill, { from: '2026-02-10', to: '2026-02-12', mode: 'failed' }, {
    ...base, name: 'backfill-2', env: environment(settings),
    serviceTasks: { RunPipeline: startExecutionSync({ ...base, env: environment(settings) }) },
  });
  assert.equal(again.status, 'SUCCEEDED', JSON.stringify(again.error));
  const retried = again.events.find((e) => e.type === 'StateExited' && e.state.name === 'Summarize').state.output.results;
  assert.deepEqual(retried.map((r) => [r.date, r.status]), [['2026-02-10', 'SKIPPED'], ['2026-02-11', 'SUCCEEDED'], ['2026-02-12', 'SKIPPED']]);

  // "missing" now finds every date complete.
  const plan = spawnSync(bootstrap, ['invoke', 'PlanBackfill', JSON.stringify({ from: '2026-02-10', to: '2026-02-12', mode: 'missing' })], { env: handlerEnv('PlanBackfill', environment(settings)), encoding: 'utf8' });
  assert.equal(plan.status, 0, plan.stderr);
  assert.deepEqual(JSON.parse(plan.stdout).dates.map((d) => d.action), ['skip', 'skip', 'skip']);
});

test('the daily launch names the run after its batch date, so a second launch for the day is a duplicate', async () => {
  assert.ok(stack.backfill);
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12' });
  const base = options(settings, environment(settings));
  const launch = startExecutionSync(base);
  const first = await execute(stack.backfill, { scheduledTime: '2026-02-13T01:00:00Z' }, { ...base, name: 'daily-1', serviceTasks: { RunPipeline: launch } });
  const second = await execute(stack.backfill, { scheduledTime: '2026-02-13T01:00:00Z' }, { ...base, name: 'daily-2', serviceTasks: { RunPipeline: launch } });
  assert.equal(first.status, 'SUCCEEDED', JSON.stringify(first.error));
  const results = (run) => run.events.find((e) => e.type === 'StateExited' && e.state.name === 'Summarize').state.output.results;
  assert.deepEqual(results(first).map((r) => [r.date, r.status, r.execution]), [['2026-02-12', 'SUCCEEDED', '2026-02-12']]);
  assert.deepEqual(results(second).map((r) => [r.date, r.status]), [['2026-02-12', 'SKIPPED']]);
});

test('bad backfill input is refused before any date runs', async () => {
  for (const input of [{ from: '2026-02-12', to: '2026-02-10' }, { from: '2025-01-01', to: '2026-02-10' }, { from: '2026-02-10', to: '2026-02-12', mode: 'some' }, { from: '2026-02-10' }, { from: '2026-02-10', to: '2026-02-12', extra: 1 }]) {
    const result = spawnSync(bootstrap, ['invoke', 'PlanBackfill', JSON.stringify(input)], { env: handlerEnv('PlanBackfill', environment(stack.settings)), encoding: 'utf8' });
    assert.equal(result.status, 1, JSON.stringify(input));
    assert.match(result.stderr, /Pipeline.InvalidInput/);
  }
});

test('the sweeper stops a forgotten node and releases a stale lock, and leaves a live run alone', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12', nodeState: 'running' });
  const sweep = () => spawnSync(bootstrap, ['invoke', 'Sweep', '{}'], { env: handlerEnv('Sweep', environment(settings)), encoding: 'utf8' });

  await holdLock(aws, settings, 'a-live-run');
  const live = sweep();
  assert.equal(JSON.parse(live.stdout).action, 'run-in-progress');
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'));

  // A lease nobody renewed: its run is gone, its nodes forgotten.
  await holdLock(aws, settings, 'a-dead-run', Date.now() - 60_000);
  const stale = JSON.parse(sweep().stdout);
  assert.equal(stale.action, 'stopped-forgotten-nodes');
  assert.equal(stale.releasedStaleLockOf, 'a-dead-run');
  await allStoppedAndFree(settings);
  assert.equal(JSON.parse(sweep().stdout).action, 'idle');
});

test('sensor mode: a run waits for its input without starting nodes and fails with InputMissing at the deadline', async () => {
  const settings = { ...stack.settings, inputWait: { timeoutSeconds: 10, pollSeconds: 2 } };
  await createWorld(aws, settings, { date: '2026-02-12', inputFiles: 0 });
  const run = await execute(stack.pipeline, { date: '2026-02-12' }, { ...options(settings, environment(settings)), name: 'sensor-timeout', waitOverrides: { WaitForInput: 1000 } });
  assert.equal(run.error.name, 'Pipeline.InputMissing');
  assert.match(run.error.cause, /end of the wait/);
  assert.ok(run.entered.filter((s) => s === 'CheckInput').length >= 3);
  assert.ok(!run.entered.includes('AcquireLock') && !run.entered.includes('StartCluster'));
  await allStoppedAndFree(settings);
  assert.equal((await keysUnder(aws, settings, 'runs/dt=2026-02-12/')).length, 1, 'the failed run is recorded');
});

test('sensor mode: input that arrives while waiting lets the run go on', async () => {
  const settings = { ...stack.settings, inputWait: { timeoutSeconds: 60, pollSeconds: 5 } };
  await createWorld(aws, settings, { date: '2026-02-12', inputFiles: 0 });
  let checks = 0;
  const base = options(settings, environment(settings));
  const run = await execute(stack.pipeline, { date: '2026-02-12' }, {
    ...base, name: 'sensor-arrives',
    afterTask: async (state, handler, output) => {
      if (handler === 'CheckInput' && ++checks === 2) await putText(aws, settings.bucket, 'raw-sensor-data/dt=2026-02-12/late-trip.parquet', 'late');
      await base.afterTask(state, handler, output);
    },
  });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  assert.equal(run.entered.filter((s) => s === 'CheckInput').length, 3);
  const records = await keysUnder(aws, settings, 'runs/dt=2026-02-12/');
  assert.equal(records.length, 1);
});
