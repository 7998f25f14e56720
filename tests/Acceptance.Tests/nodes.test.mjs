// What real nodes do that moto's do not: a first boot that is still installing when CloudFormation
// already calls the node created, and a start that EC2 accepts but the node falls back to stopped
// (an EBS key it may not use). The synthesized definitions, the real bootstrap, moto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWorld, nodes, nodeStates, lockState, completeSetup } from '../../local/lib/world.mjs';
import { acceptanceSuite, bootstrap } from './support.mjs';
import { execute } from '../../local/lib/execute.mjs';

let stack;
let aws;
const suite = acceptanceSuite('nodes', (ready) => { ({ stack, aws } = ready); });
const environment = (faults, extra) => suite.environment(stack.settings, faults, extra);

function sweep(env) {
  const out = spawnSync(bootstrap, ['invoke', 'Sweep', '{}'], { env, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

test('the sweeper leaves nodes in their first boot alone, and stops them once their set-up has tagged them complete', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12', nodeState: 'running', setupComplete: false });
  const booting = sweep(environment());
  assert.equal(booting.action, 'idle');
  assert.equal(booting.settingUp.length, settings.workerCount + 1);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'running'), 'set-up keeps running');

  // Set-up finished on each node: it tags itself, and stops itself or waits for the sweeper.
  await completeSetup(aws, (await nodes(aws, settings)).map((node) => node.id));
  const done = sweep(environment());
  assert.equal(done.action, 'stopped-forgotten-nodes');
  assert.deepEqual(done.settingUp, []);
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
});

test('a set-up that never completes does not keep a node running for ever: past the grace the sweeper stops it', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12', nodeState: 'running', setupComplete: false });
  const later = new Date(Date.now() + 121 * 60_000).toISOString();
  const swept = sweep(environment({}, { PIPELINE_LOCAL_NOW: later }));
  assert.equal(swept.action, 'stopped-forgotten-nodes');
  assert.equal(swept.stopped.length, settings.workerCount + 1);
});

test('a node that falls back to stopped after its start fails the run at once with NodeStartFailed naming it and why, then cleanup', async () => {
  const settings = stack.settings;
  await createWorld(aws, settings, { date: '2026-02-12' });
  const env = environment({ startFallsBack: [{ role: 'worker', reason: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state', times: 100 }] });
  const run = await execute(stack.pipeline, { date: '2026-02-12' }, { stack, bootstrap, env, name: 'kms-run' });
  assert.equal(run.error?.name, 'Pipeline.NodeStartFailed');
  assert.match(run.error.cause, /\(worker\) went back to stopped after it was started: Client\.InvalidKMSKey\.InvalidState/);
  assert.equal(run.entered.filter((s) => s === 'ClusterStatus').length, 1, 'no waiting until the start deadline');
  assert.ok((await nodeStates(aws, settings)).every((s) => s === 'stopped' || s === 'stopping'));
  assert.equal((await lockState(aws, settings)).holder, null);
});
