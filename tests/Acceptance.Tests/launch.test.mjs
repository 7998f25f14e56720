// The daily launch and Step Functions' execution names: a second launch for the same day must be
// reported as a duplicate, also while the first one still runs. The Step Functions stand-in
// (startExecutionSync) answers as AWS does: a start with the name and input of a running execution
// returns that execution instead of ExecutionAlreadyExists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld } from '../../local/lib/world.mjs';
import { acceptanceSuite, bootstrap } from './support.mjs';
import { execute, startExecutionSync } from '../../local/lib/execute.mjs';

let stack;
let aws;
const suite = acceptanceSuite('launch', (ready) => { ({ stack, aws } = ready); });
const options = (settings) => suite.options(settings, suite.environment(settings));

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
