// The daily launch and Step Functions' execution names: a second launch for the same day must be
// reported as a duplicate, also while the first one still runs. The Step Functions stand-in
// (startExecutionSync) answers as AWS does: a start with the name and input of a running execution
// returns that execution instead of ExecutionAlreadyExists.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStack, REGION } from '../../local/lib/stack.mjs';
import { startMoto } from '../../local/lib/moto.mjs';
import { clients, createWorld, simulateStageOutput } from '../../local/lib/world.mjs';
import { execute, startExecutionSync } from '../../local/lib/execute.mjs';

const root = resolve(import.meta.dirname, '../..');
const bootstrap = join(root, 'artifacts/functions/bootstrap');
let stack;
let moto;
let aws;
let scratch;

before(async () => {
  stack = loadStack(process.env.ACCEPTANCE_CDK_OUT ?? join(root, 'cdk.out'));
  moto = await startMoto();
  aws = clients(moto.endpoint);
  scratch = mkdtempSync(join(tmpdir(), 'launch-'));
});

after(async () => {
  await moto?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

beforeEach(async () => { await moto.reset(); });

function options(settings) {
  const faultsFile = join(scratch, `faults-${Date.now()}.json`);
  writeFileSync(faultsFile, '{}');
  return {
    stack, bootstrap,
    env: {
      PATH: process.env.PATH, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION,
      PIPELINE_SETTINGS: JSON.stringify(settings), PIPELINE_LOCAL_EMULATOR: 'moto', PIPELINE_FAULTS_FILE: faultsFile,
    },
    afterTask: async (_state, handler, output) => {
      if (handler === 'SubmitStage') await simulateStageOutput(aws, settings, output.commands[0].commandId);
    },
  };
}

const results = (run) => run.events.find((e) => e.type === 'StateExited' && e.state.name === 'Summarize').state.output.results;

test('a second daily launch while the first still runs is reported as a duplicate, not as its own success', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12' });
  const base = options(settings);
  let children = 0;
  const launch = startExecutionSync(base, () => { children += 1; });
  const input = { scheduledTime: '2026-02-13T01:00:00Z' };

  // Both launchers start before either child ends: the second asks while the first child runs.
  const [first, second] = await Promise.all([
    execute(stack.backfill, input, { ...base, name: 'daily-1', serviceTasks: { RunPipeline: launch } }),
    execute(stack.backfill, input, { ...base, name: 'daily-2', serviceTasks: { RunPipeline: launch } }),
  ]);

  assert.equal(children, 1);
  assert.equal(first.status, 'SUCCEEDED', JSON.stringify(first.error));
  assert.deepEqual(results(first).map((r) => [r.date, r.status, r.execution]), [['2026-02-12', 'SUCCEEDED', '2026-02-12']]);
  assert.deepEqual(results(second).map((r) => [r.date, r.status, r.reason]), [['2026-02-12', 'SKIPPED', 'an execution with this name already exists']]);
});

test('the Step Functions stand-in returns a running execution for the same name and input, as AWS does', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12' });
  const base = options(settings);
  let children = 0;
  const start = startExecutionSync(base, () => { children += 1; });
  const request = { StateMachineArn: stack.pipelineArn, Name: '2026-02-12', Input: { date: '2026-02-12' } };

  const [a, b] = await Promise.all([start(request), start(request)]);
  assert.equal(children, 1);
  assert.deepEqual(a, b);
  // Finished now: the same name is refused, whatever the input.
  await assert.rejects(start(request), { name: 'StepFunctions.ExecutionAlreadyExistsException' });
});
