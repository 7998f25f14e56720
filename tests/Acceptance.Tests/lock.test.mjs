// The lock protocol's failure paths, one named scenario per defect found by fault testing: the
// synthesized definitions on aws-local-stepfunctions, the real bootstrap, moto. Each checks the
// outside world: moto's instances, the commands it recorded, the lock item, the run record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWorld, nodeStates, lockState, holdLock, sentCommands, keysUnder, simulateStageOutput, getText, putText } from '../../local/lib/world.mjs';
import { acceptanceSuite, bootstrap } from './support.mjs';
import { execute } from '../../local/lib/execute.mjs';

const DATE = '2026-02-12';
const STAGE1 = 'stage1_anomaly_detection';
let stack;
let aws;
const suite = acceptanceSuite('lock', (ready) => { ({ stack, aws } = ready); });
const environment = (...args) => suite.environment(...args);
let runs = 0;

function run(definition, input, { settings = stack.settings, env, afterTask, ...options }) {
  return execute(definition, input, {
    stack, bootstrap, env, name: options.name ?? `${DATE}-${++runs}`,
    afterTask: async (state, handler, output) => {
      if (handler === 'SubmitStage') await simulateStageOutput(aws, settings, output.commands[0].commandId);
      if (afterTask) await afterTask(state, handler, output);
    },
    ...options,
  });
}

function invoke(handler, input, env) {
  const out = spawnSync(bootstrap, ['invoke', handler, JSON.stringify(input)], { env, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

const stops = (commands) => commands.filter((c) => c.comment.includes('stop spark'));

test('a cleanup that cannot confirm the lock (Lambda outage past its retries) touches nothing, says so, and the sweeper stops the nodes once the lease ends', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  const env = environment(settings, { commands: [{ commentContains: STAGE1, status: 'Failed', exitCode: 1, stderr: 'boom' }] });
  const result = await run(stack.pipeline, { date: DATE }, { env, lambdaFaults: { CleanupConfirmLock: { error: 'Lambda.ServiceException', times: 10 } } });
  assert.equal(result.status, 'FAILED');
  assert.equal(result.error.name, 'Pipeline.CleanupFailed');
  assert.match(result.error.cause, /^Pipeline\.CommandFailed: .*cleanup unconfirmed: could not confirm the lock \(Lambda\.ServiceException/s);
  assert.ok(!result.entered.includes('CleanupStopCluster'));
  assert.equal(stops(await sentCommands(aws)).length, 0, 'no Spark stop was sent');
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'), 'no node was stopped');
  const [key] = await keysUnder(aws, settings, `runs/dt=${DATE}/`);
  assert.equal(JSON.parse(await getText(aws, settings.bucket, key)).cleanup.status, 'unconfirmed');

  const lock = await lockState(aws, settings);
  assert.equal(invoke('Sweep', {}, environment(settings)).action, 'run-in-progress', 'before the lease ends the run may still be alive');
  const afterLease = new Date(lock.leaseUntil + 1000).toISOString();
  const swept = invoke('Sweep', {}, environment(settings, {}, { PIPELINE_LOCAL_NOW: afterLease }));
  assert.equal(swept.action, 'stopped-forgotten-nodes');
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal((await lockState(aws, settings)).holder, null);
});

test('execution names Step Functions accepts (parentheses, plus, Hangul) run, and their record keeps the name readable', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  const name = '재실행(2026-02-12)+1';
  const result = await run(stack.pipeline, { date: DATE }, { env: environment(settings), name });
  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  const [key] = await keysUnder(aws, settings, `runs/dt=${DATE}/`);
  assert.match(key, /_%EC%9E%AC%EC%8B%A4%ED%96%89%282026-02-12%29%2B1\.json$/);
  assert.equal(JSON.parse(await getText(aws, settings.bucket, key)).runId, name);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal((await lockState(aws, settings)).holder, null);
});

test('a run whose lock was taken over stops nothing at its end: StopSpark fails with LockLost and the new holder keeps its cluster', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  let verified = 0;
  const result = await run(stack.pipeline, { date: DATE }, {
    env: environment(settings),
    afterTask: async (_state, handler) => {
      // The run stalled past its lease after its last stage, and another run took the cluster over.
      if (handler === 'VerifyOutput' && ++verified === settings.stages.length) await holdLock(aws, settings, 'the-next-run');
    },
  });
  assert.equal(result.status, 'FAILED');
  assert.equal(result.error.name, 'Pipeline.LockLost');
  assert.ok(result.entered.includes('CleanupNotHeld') && !result.entered.includes('CleanupStopCluster'));
  assert.equal(stops(await sentCommands(aws)).length, 0);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'), 'the new holder\'s nodes keep running');
  assert.equal((await lockState(aws, settings)).holder, 'the-next-run');
});

test('settings whose own deadlines outlast maxRunMinutes are refused before anything starts', async () => {
  const settings = { ...stack.settings, maxRunMinutes: 60 };
  await createWorld(aws, settings, { date: DATE });
  const result = await run(stack.pipeline, { date: DATE }, { settings, env: environment(settings) });
  assert.equal(result.error.name, 'Pipeline.InvalidSettings');
  assert.match(result.error.cause, /maxRunMinutes: 60 min is shorter than the run's own deadlines used in full/);
  assert.deepEqual(result.entered, ['ResolveRun']);
  assert.equal(await lockState(aws, settings), null);
});

test('a cleanup that cannot stop the nodes marks the lock abandoned, the run says so, and the next sweep stops them at once', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  const env = environment(settings, {
    commands: [{ commentContains: STAGE1, status: 'Failed', exitCode: 1, stderr: 'boom' }],
    awsErrors: [{ operation: 'StopInstances', code: 'UnauthorizedOperation', times: 100 }],
  });
  const result = await run(stack.pipeline, { date: DATE }, { env });
  assert.equal(result.error.name, 'Pipeline.CleanupFailed');
  assert.match(result.error.cause, /^Pipeline\.CommandFailed: .*cleanup failed: could not stop the nodes \(.*UnauthorizedOperation.*marked abandoned/s);
  const lock = await lockState(aws, settings);
  assert.match(lock.abandoned, /UnauthorizedOperation/);
  const [key] = await keysUnder(aws, settings, `runs/dt=${DATE}/`);
  const record = JSON.parse(await getText(aws, settings.bucket, key));
  assert.equal(record.cleanup.status, 'failed');
  assert.equal(record.cleanup.leftRunning.length, settings.workerCount + 1);

  const swept = invoke('Sweep', {}, environment(settings));
  assert.equal(swept.action, 'stopped-forgotten-nodes', 'an abandoned lock is taken at once, not after the lease');
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal((await lockState(aws, settings)).holder, null);
});

test('the cleanup machine started for a run that already cleaned up takes no lock, and the next run starts', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  const failed = await run(stack.pipeline, { date: DATE }, { env: environment(settings, { commands: [{ commentContains: STAGE1, status: 'Failed', exitCode: 1 }] }), name: 'first-run' });
  assert.equal(failed.error.name, 'Pipeline.CommandFailed');
  const cleanup = await execute(stack.cleanup, { runId: 'first-run' }, { stack, bootstrap, env: environment(settings), name: 'cleanup-first-run' });
  assert.deepEqual(cleanup.entered, ['ConfirmLock', 'HoldsLock', 'NothingToClean']);
  assert.equal((await lockState(aws, settings)).holder, null, 'the free lock stays free');
  const next = await run(stack.pipeline, { date: DATE }, { env: environment(settings), name: 'next-run' });
  assert.equal(next.status, 'SUCCEEDED', JSON.stringify(next.error));
});

test('a hung task is ended at its timeout and retried, before and after it acted, and the run succeeds', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE });
  const env = environment(settings, { hangs: [{ handler: 'StartCluster', when: 'before', times: 1 }, { handler: 'StopCluster', when: 'after', times: 1 }] });
  const result = await run(stack.pipeline, { date: DATE }, { env, taskTimeoutMs: 3000 });
  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(result.retried.filter((s) => s === 'StartCluster' || s === 'StopCluster').sort(), ['StartCluster', 'StopCluster']);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal((await lockState(aws, settings)).holder, null);
});

test('input that is only markers, folder placeholders and empty objects is no input: InputMissing before any node starts', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: DATE, inputFiles: 0 });
  const prefix = `raw-sensor-data/dt=${DATE}/`;
  for (const [key, body] of [['_SUCCESS', ''], ['', ''], ['.part-0.crc', 'crc'], ['_temporary/0/part-0', 'x'], ['empty.parquet', '']]) {
    await putText(aws, settings.bucket, prefix + key, body);
  }
  const result = await run(stack.pipeline, { date: DATE }, { env: environment(settings) });
  assert.equal(result.error.name, 'Pipeline.InputMissing');
  assert.ok(!result.entered.includes('AcquireLock'));
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped'));
});
