// Acceptance: the synthesized state machine on an independent ASL interpreter, every Task running
// the real bootstrap against moto, across a matrix of faults injected from outside the definition.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStack, REGION } from '../../local/lib/stack.mjs';
import { startMoto } from '../../local/lib/moto.mjs';
import { clients, createWorld, nodeStates, lockHolder, holdLock, sentCommands, keysUnder, simulateStageOutput } from '../../local/lib/world.mjs';
import { execute } from '../../local/lib/execute.mjs';

const root = resolve(import.meta.dirname, '../..');
const bootstrap = join(root, 'artifacts/functions/bootstrap');
const DATE = '2026-02-12';
const STAGE1 = 'stage1_anomaly_detection';
const STAGE2 = 'stage2_spatial_clustering';

let stack;
let moto;
let aws;
let scratch;
const table = [];

before(async () => {
  if (!existsSync(bootstrap)) throw new Error(`${bootstrap} is missing: run ./pipeline publish first`);
  stack = loadStack(process.env.ACCEPTANCE_CDK_OUT ?? join(root, 'cdk.out'));
  moto = await startMoto();
  aws = clients(moto.endpoint);
  scratch = mkdtempSync(join(tmpdir(), 'acceptance-'));
});

after(async () => {
  await moto?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  const rows = [['scenario', 'status', 'error', 'states visited', 'transitions', 'seconds']];
  for (const r of table) rows.push([r.scenario, r.status, r.error ?? '-', String(r.visited), String(r.transitions), r.seconds.toFixed(1)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('\nAcceptance scenarios (synthesized definition, real bootstrap, moto):');
  for (const row of rows) console.log('  ' + row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
});

beforeEach(async () => {
  await moto.reset();
});

/** Runs one scenario: builds the world, injects faults, executes, records the table row. */
async function scenario(title, { input = { date: DATE }, world = {}, faults, settings = {}, simulateOutputs = true, noOutputFor = [], prepare, ...options } = {}) {
  const effectiveSettings = { ...stack.settings, ...settings };
  const made = await createWorld(aws, effectiveSettings, { date: DATE, ...world });
  if (prepare) await prepare(effectiveSettings);
  const faultsFile = join(scratch, `${table.length}-faults.json`);
  writeFileSync(faultsFile, JSON.stringify(faults ?? {}));
  const env = {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    PIPELINE_SETTINGS: JSON.stringify(effectiveSettings),
    PIPELINE_LOCAL_EMULATOR: 'moto',
    PIPELINE_FAULTS_FILE: faultsFile,
  };
  const afterTask = async (stateName, handler, output) => {
    if (handler === 'SubmitStage' && simulateOutputs && !noOutputFor.includes(output.stage)) {
      await simulateStageOutput(aws, effectiveSettings, output.commands[0].commandId);
    }
  };
  const name = options.name ?? `${DATE}-${table.length}`;
  const run = await execute(options.definition ?? stack.pipeline, input, { stack, bootstrap, env, name, afterTask, ...options });
  table.push({ scenario: title, status: run.status, error: run.error?.name, visited: new Set(run.entered).size, transitions: run.entered.length, seconds: run.seconds });
  return { run, env, made, settings: effectiveSettings, name };
}

async function assertClusterStoppedAndLockFree(settings) {
  const states = await nodeStates(aws, settings);
  assert.ok(states.length > 0 && states.every((s) => s === 'stopped' || s === 'stopping'), `every node stopped, got ${states}`);
  assert.equal(await lockHolder(aws, settings), null, 'the lock is free');
}

test('happy path: two stages run, are verified, and the cluster is stopped again', async () => {
  const { run, settings } = await scenario('happy path, two stages');
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  for (const state of ['ResolveRun', 'CheckInput', 'AcquireLock', 'StartCluster', 'ClusterStatus', 'StartSpark', 'SparkStatus', 'MoreStages', 'NextStage', 'SubmitStage', 'StageStatus', 'VerifyOutput', 'StopSpark', 'StopCluster', 'ReleaseLock', 'RunSucceeded']) {
    assert.ok(run.entered.includes(state), `visited ${state}`);
  }
  assert.equal(run.entered.filter((s) => s === 'VerifyOutput').length, 2);
  assert.ok(!run.entered.some((s) => s.startsWith('Cleanup')));
  const comments = (await sentCommands(aws)).map((c) => c.comment);
  assert.ok(comments.some((c) => c.includes('start spark master')));
  assert.ok(comments.some((c) => c.includes(`${STAGE1} ${DATE}`)) && comments.some((c) => c.includes(`${STAGE2} ${DATE}`)));
  assert.ok(comments.some((c) => c.includes('stop spark')));
  assert.ok((await keysUnder(aws, settings, `stage2_spatial_clustering/dt=${DATE}/`)).includes(`stage2_spatial_clustering/dt=${DATE}/_SUCCESS`));
  await assertClusterStoppedAndLockFree(settings);
});

test('scheduled run: the batch date is the previous day in the configured zone', async () => {
  const { run, settings } = await scenario('scheduled run', { input: { scheduledTime: '2026-02-13T01:00:00Z' } });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  const submitted = (await sentCommands(aws)).filter((c) => c.comment.includes(STAGE1)).map((c) => c.comment);
  assert.deepEqual(submitted, [`${settings.clusterName}: ${STAGE1} ${DATE}`]);
  await assertClusterStoppedAndLockFree(settings);
});

test('invalid date: fails in ResolveRun before anything is started', async () => {
  const { run, settings } = await scenario('invalid date', { input: { date: '2026-02-30' } });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error.name, 'Pipeline.InvalidInput');
  assert.deepEqual(run.entered, ['ResolveRun']);
  assert.deepEqual(await sentCommands(aws), []);
  await assertClusterStoppedAndLockFree(settings);
});

test('input missing: fails in CheckInput and no node is ever started', async () => {
  const { run, settings } = await scenario('input missing', { world: { inputFiles: 0 } });
  assert.equal(run.error.name, 'Pipeline.InputMissing');
  assert.deepEqual(run.entered, ['ResolveRun', 'CheckInput', 'NoCleanupNeeded', 'RecordFailure', 'RunFailed']);
  assert.equal((await keysUnder(aws, settings, `runs/dt=${DATE}/`)).length, 1, 'the failed run is recorded');
  assert.ok(!run.calls.includes('StartCluster'));
  await assertClusterStoppedAndLockFree(settings);
});

test('cluster busy: a second run fails and leaves the other run\'s cluster and lock untouched', async () => {
  const { run, settings } = await scenario('cluster busy', {
    world: { nodeState: 'running' },
    prepare: (settings) => holdLock(aws, settings, 'the-other-run'),
  });
  assert.equal(run.error.name, 'Pipeline.ClusterBusy');
  assert.ok(!run.entered.includes('StartCluster'));
  assert.ok(!run.entered.some((s) => s.startsWith('Cleanup')));
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'), 'the other run\'s nodes keep running');
  assert.equal(await lockHolder(aws, settings), 'the-other-run');
  assert.deepEqual(await sentCommands(aws), []);
});

test('nodes never become ready: ClusterStartTimeout at the deadline, then cleanup', async () => {
  const { run, settings } = await scenario('nodes never ready', {
    faults: { agentsOffline: ['master', 'worker'] },
    settings: { clusterReadyTimeoutSeconds: 10 },
    waitOverrides: { WaitForCluster: 1000 },
  });
  assert.equal(run.error.name, 'Pipeline.ClusterStartTimeout');
  assert.ok(run.entered.filter((s) => s === 'ClusterStatus').length >= 3, 'polled more than once');
  assert.ok(!run.entered.includes('StartSpark'));
  for (const state of ['CleanupConfirmLock', 'CleanupStopSpark', 'CleanupStopCluster', 'CleanupReleaseLock', 'RunFailed']) assert.ok(run.entered.includes(state), `visited ${state}`);
  await assertClusterStoppedAndLockFree(settings);
});

test('StartSpark fails: CommandFailed carries the exit code, then cleanup', async () => {
  const { run, settings } = await scenario('StartSpark fails', {
    faults: { commands: [{ commentContains: 'start spark master', status: 'Failed', exitCode: 1, stderr: 'only 1 of 2 spark workers alive after 300 s' }] },
  });
  assert.equal(run.error.name, 'Pipeline.CommandFailed');
  assert.match(String(run.error.cause), /exit code 1.*only 1 of 2 spark workers alive/s);
  assert.ok(!run.entered.includes('SubmitStage'));
  await assertClusterStoppedAndLockFree(settings);
});

test('stage 1 fails: stage 2 is never submitted', async () => {
  const { run, settings } = await scenario('stage 1 fails', {
    faults: { commands: [{ commentContains: STAGE1, status: 'Failed', exitCode: 1, stderr: 'Py4JJavaError: Path does not exist' }] },
  });
  assert.equal(run.error.name, 'Pipeline.CommandFailed');
  assert.match(String(run.error.cause), new RegExp(STAGE1));
  assert.equal(run.entered.filter((s) => s === 'SubmitStage').length, 1);
  assert.ok(!run.entered.includes('VerifyOutput'));
  await assertClusterStoppedAndLockFree(settings);
});

test('stage 2 fails after stage 1 succeeded: stage 1 output stays, the run fails', async () => {
  const { run, settings } = await scenario('stage 2 fails', {
    faults: { commands: [{ commentContains: STAGE2, status: 'TimedOut', exitCode: null }] },
  });
  assert.equal(run.error.name, 'Pipeline.CommandFailed');
  assert.match(String(run.error.cause), new RegExp(STAGE2));
  assert.equal(run.entered.filter((s) => s === 'VerifyOutput').length, 1);
  assert.ok((await keysUnder(aws, settings, `stage1_anomaly_detected/dt=${DATE}/`)).length > 0);
  await assertClusterStoppedAndLockFree(settings);
});

test('output missing after a successful command: OutputMissing, then cleanup', async () => {
  const { run, settings } = await scenario('output missing', { noOutputFor: [STAGE1] });
  assert.equal(run.error.name, 'Pipeline.OutputMissing');
  assert.match(String(run.error.cause), /_SUCCESS/);
  await assertClusterStoppedAndLockFree(settings);
});

test('a transient Lambda error is retried and the run succeeds', async () => {
  const { run, settings } = await scenario('transient Lambda error retried', {
    lambdaFaults: { StartCluster: { error: 'Lambda.ServiceException', times: 1 }, SubmitStage: { error: 'Lambda.TooManyRequestsException', times: 2 } },
  });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  assert.ok(run.retried.includes('StartCluster'));
  assert.equal(run.retried.filter((s) => s === 'SubmitStage').length, 2);
  await assertClusterStoppedAndLockFree(settings);
});

test('StopCluster is throttled once during cleanup and retried', async () => {
  const { run, settings } = await scenario('cleanup StopCluster retried', {
    faults: {
      commands: [{ commentContains: STAGE1, status: 'Failed', exitCode: 137, stderr: 'Killed' }],
      awsErrors: [{ operation: 'StopInstances', code: 'RequestLimitExceeded', times: 1 }],
    },
  });
  assert.equal(run.error.name, 'Pipeline.CommandFailed', 'the original error survives the cleanup');
  assert.ok(run.retried.includes('CleanupStopCluster'));
  await assertClusterStoppedAndLockFree(settings);
});

test('a throttled EC2 call is retried as Pipeline.AwsTransient and the run succeeds', async () => {
  const { run, settings } = await scenario('EC2 throttled, retried', {
    faults: { awsErrors: [{ operation: 'StartInstances', code: 'RequestLimitExceeded', times: 1 }] },
  });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  assert.ok(run.retried.includes('StartCluster'));
  await assertClusterStoppedAndLockFree(settings);
});

test('an aborted execution is cleaned up by the cleanup machine the status-change rule starts', async () => {
  const { run, settings, env, name } = await scenario('aborted, then cleanup entry', {
    waitOverrides: { WaitForStage: 60_000 },
    abortWhen: (event) => event.type === 'StateEntered' && event.state.name === 'WaitForStage',
  });
  assert.equal(run.status, 'ABORTED');
  assert.ok((await nodeStates(aws, settings)).some((s) => s === 'running'), 'an abort runs no Catch: nodes are still up');
  assert.equal(await lockHolder(aws, settings), name);

  // What the EventBridge rule does on ABORTED: start the cleanup machine with {"runId": detail.name}.
  const cleanup = await execute(stack.cleanup, { runId: name }, { stack, bootstrap, env, name: `cleanup-${name}` });
  table.push({ scenario: '  cleanup machine after abort', status: cleanup.status, error: cleanup.error?.name, visited: new Set(cleanup.entered).size, transitions: cleanup.entered.length, seconds: cleanup.seconds });
  assert.equal(cleanup.status, 'SUCCEEDED', JSON.stringify(cleanup.error));
  assert.deepEqual(cleanup.entered, ['ConfirmLock', 'HoldsLock', 'StopSpark', 'StopCluster', 'ReleaseLock']);
  await assertClusterStoppedAndLockFree(settings);
});

test('the cleanup machine leaves a cluster alone while another run holds it', async () => {
  const { run, settings, env } = await scenario('cleanup vs. another run', {
    input: { date: '2026-02-30' },
    world: { nodeState: 'running' },
    prepare: (settings) => holdLock(aws, settings, 'the-other-run'),
  });
  assert.equal(run.error.name, 'Pipeline.InvalidInput');
  const cleanup = await execute(stack.cleanup, { runId: 'the-failed-run' }, { stack, bootstrap, env, name: 'cleanup-the-failed-run' });
  table.push({ scenario: '  cleanup machine, lock held by another run', status: cleanup.status, error: cleanup.error?.name, visited: new Set(cleanup.entered).size, transitions: cleanup.entered.length, seconds: cleanup.seconds });
  assert.deepEqual(cleanup.entered, ['ConfirmLock', 'HoldsLock', 'NothingToClean']);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'));
  assert.equal(await lockHolder(aws, settings), 'the-other-run');
});
