// Randomized interleavings of the lock protocol: seeded schedules of 2-3 pipeline runs, cleanup
// machines (late, twice, or never, as EventBridge may deliver), sweeps, aborts, time jumps past
// leases and faults (Lambda service errors, hangs before and after a task acted, EC2/SSM refusals
// and throttling, failing stage commands), on the synthesized definitions with the real bootstrap
// and moto. Tasks run one at a time, in an order the seed picks, each with its own credentials so
// moto's request log says who asked for what. Invariants, checked from moto's own state and log:
//   fencing:  every StartInstances, StopInstances and SendCommand came from the lock's holder at
//             that moment, acting under the token it was granted (the sweeper: a token it had just
//             been granted over a free, expired or abandoned lock);
//   leases:   a new holder was granted the lock only when it was free, abandoned, or its lease had
//             run out; tokens never go back;
//   bounded:  once every execution has ended, one sweep after the last lease leaves every node
//             stopped and the lock free.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execute, invokeBootstrap } from './execute.mjs';
import { createWorld, lockState, nodes, simulateStageOutput } from './world.mjs';
import { REGION } from './stack.mjs';
import { random } from './random.mjs';

const DATE = '2026-02-12';
const START = Date.parse('2026-02-13T01:00:00Z');

function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function header(headers, name) {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : undefined;
}

/** A recorded request that changes the cluster (EC2 start/stop, SSM SendCommand) and who made it; null otherwise. */
export function clusterAction(entry) {
  const body = entry.body_encoded ? Buffer.from(entry.body ?? '', 'base64').toString('utf8') : (entry.body ?? '');
  const actor = /Credential=([^/]+)\//.exec(header(entry.headers, 'Authorization') ?? '')?.[1] ?? null;
  const target = header(entry.headers, 'X-Amz-Target') ?? '';
  if (target.endsWith('.SendCommand')) return { actor, action: 'SendCommand' };
  const action = /(?:^|&)Action=(StartInstances|StopInstances|ModifyInstanceAttribute|RebootInstances|TerminateInstances)(?:&|$)/.exec(body)?.[1];
  return action ? { actor, action } : null;
}

const takeable = (lock, now) => !lock || !lock.holder || Boolean(lock.abandoned) || lock.leaseUntil < now;

/**
 * Runs one schedule. Returns { violations, stats }; a violation names the invariant, the step and
 * the invocation, so `./pipeline interleave --seed S` shows the same schedule again.
 */
export async function runSchedule({ seed, stack, bootstrap, aws, moto, recordFile, scratch, settings, maxSteps = 800, log = () => {} }) {
  const pick = random(seed);
  const choose = (list) => list[Math.floor(pick() * list.length)];
  await moto.reset();
  await createWorld(aws, settings, { date: DATE });
  writeFileSync(recordFile, '');
  await moto.record();

  let now = START;
  const lease = settings.lockLeaseSeconds * 1000;
  const stats = { runs: 0, succeeded: 0, failed: 0, aborted: 0, cleanups: 0, sweeps: 0, takeovers: 0, lockLost: 0, abandoned: 0, faults: 0, invocations: 0 };
  const violations = [];
  const invocations = new Map();
  const pending = [];
  const executions = new Map();
  const cleanupsDue = [];
  let step = 0;
  const baseEnv = {
    PATH: process.env.PATH, AWS_ENDPOINT_URL: moto.endpoint, AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION,
    PIPELINE_SETTINGS: JSON.stringify(settings), PIPELINE_LOCAL_EMULATOR: 'moto',
  };

  /** Some invocations meet a refusing or throttling EC2/SSM, or a stage command that fails. */
  function faultsFor(handler) {
    const roll = pick();
    if (roll < 0.06) {
      return { awsErrors: [{ operation: choose(['StartInstances', 'StopInstances', 'SendCommand', 'DescribeInstances']), code: choose(['RequestLimitExceeded', 'UnauthorizedOperation', 'InternalError']), times: 1 }] };
    }
    if (handler === 'CommandStatus' && roll < 0.12) {
      return { commands: [{ commentContains: settings.stages[0].name, status: 'Failed', exitCode: 1, stderr: 'injected stage failure' }] };
    }
    return null;
  }

  /** One invocation of the real bootstrap, its lock state read before and after from moto. */
  async function invokeOnce(actor, handler, input, run) {
    const id = `inv${stats.invocations++}x${seed}`;
    const before = await lockState(aws, settings);
    const faults = faultsFor(handler);
    if (faults) stats.faults++;
    const faultsFile = join(scratch, `${id}.json`);
    writeFileSync(faultsFile, JSON.stringify(faults ?? {}));
    const at = now;
    const env = { AWS_ACCESS_KEY_ID: id, PIPELINE_LOCAL_NOW: new Date(at).toISOString(), PIPELINE_FAULTS_FILE: faultsFile };
    let output;
    let error;
    try {
      output = await run(env);
    } catch (e) {
      error = e;
    }
    const after = await lockState(aws, settings);
    const record = { id, actor, handler, lock: input?.lock ?? null, before, after, now: at, step };
    invocations.set(id, record);
    if ((after?.token ?? 0) < (before?.token ?? 0)) violations.push(`step ${step} ${id} ${handler} by ${actor}: the fencing token went back from ${before.token} to ${after.token}`);
    if ((after?.token ?? 0) > (before?.token ?? 0)) {
      if (before?.holder && !takeable(before, at)) violations.push(`step ${step} ${id} ${handler} by ${actor}: took the lock of live holder ${before.holder} (lease until ${new Date(before.leaseUntil).toISOString()}, now ${new Date(at).toISOString()})`);
      if (before?.holder) stats.takeovers++;
    }
    if (error?.name === 'Pipeline.LockLost') stats.lockLost++;
    if (after?.abandoned && !before?.abandoned) stats.abandoned++;
    if (error) throw error;
    return output;
  }

  const gate = (exec) => (state, handler, input, run) => new Promise((resolve, reject) => pending.push({ exec, state, handler, input, run, resolve, reject }));

  function start(kind, definition, input, name) {
    const control = {};
    const entry = { name, kind, done: false, status: null, control };
    executions.set(name, entry);
    entry.promise = execute(definition, input, { stack, bootstrap, env: baseEnv, name, gate: gate(name), control, waitMs: 1 }).then((result) => {
      entry.done = true;
      entry.status = result.status;
      entry.error = result.error?.name ?? null;
      if (kind !== 'pipeline') return;
      stats[result.status === 'SUCCEEDED' ? 'succeeded' : result.status === 'ABORTED' ? 'aborted' : 'failed']++;
      // The status-change rule starts the cleanup machine for FAILED, TIMED_OUT and ABORTED: late, maybe twice, maybe never.
      if (result.status !== 'SUCCEEDED') {
        for (let copies = pick() < 0.85 ? (pick() < 0.2 ? 2 : 1) : 0; copies > 0; copies--) cleanupsDue.push({ runId: name, atStep: step + Math.floor(pick() * 20) });
      }
    }, (error) => { entry.done = true; entry.status = 'CRASHED'; violations.push(`${name}: the interpreter failed: ${error.message}`); });
  }

  const startRun = () => { stats.runs++; start('pipeline', stack.pipeline, { date: DATE }, `s${seed}-run${stats.runs}`); };

  async function sweep(withFaults = true) {
    stats.sweeps++;
    try {
      await invokeOnce('sweeper', 'Sweep', {}, (env) => invokeBootstrap(bootstrap, 'Sweep', {}, { ...baseEnv, ...env, ...(withFaults ? {} : { PIPELINE_FAULTS_FILE: '' }) }, 60_000));
    } catch { /* a refused sweep is the next sweep's work */ }
  }

  /** Until every live execution is waiting at a task or has ended (states between tasks take a few ms). */
  async function settle() {
    for (let i = 0; i < 2000; i++) {
      const live = [...executions.values()].filter((e) => !e.done);
      if (live.every((e) => pending.some((p) => p.exec === e.name))) return;
      await new Promise((r) => setTimeout(r, 1));
    }
    log(`settle gave up: ${[...executions.values()].filter((e) => !e.done && !pending.some((p) => p.exec === e.name)).map((e) => e.name)}`);
  }

  async function runTicket(ticket) {
    const roll = pick();
    if (roll < 0.03) { stats.faults++; ticket.reject(named('Lambda.ServiceException', 'injected: the Lambda service failed before the function ran')); return; }
    if (roll < 0.05) { stats.faults++; ticket.reject(named('States.Timeout', 'injected: the task hung before it acted and was ended')); return; }
    try {
      const output = await invokeOnce(ticket.exec, ticket.handler, ticket.input, (env) => ticket.run(env));
      if (ticket.handler === 'SubmitStage') await simulateStageOutput(aws, settings, output.commands[0].commandId);
      if (roll < 0.07) { stats.faults++; ticket.reject(named('States.Timeout', 'injected: the task acted, then hung and was ended')); return; }
      ticket.resolve(output);
    } catch (error) {
      ticket.reject(error);
    }
  }

  for (; ; step++) {
    await settle();
    for (let i = cleanupsDue.length - 1; i >= 0; i--) {
      if (cleanupsDue[i].atStep <= step) {
        const [due] = cleanupsDue.splice(i, 1);
        stats.cleanups++;
        start('cleanup', stack.cleanup, { runId: due.runId }, `cleanup-${due.runId}-${stats.cleanups}`);
      }
    }
    await settle();
    const live = [...executions.values()].filter((e) => !e.done);
    const runsWanted = 2 + (seed % 2);
    if (live.length === 0 && cleanupsDue.length === 0 && stats.runs >= runsWanted) break;
    if (step > maxSteps) {
      violations.push(`did not finish within ${maxSteps} steps: ${live.map((e) => e.name).join(', ')}`);
      for (const e of live) e.control.abort?.();
      break;
    }
    const roll = pick();
    if (stats.runs < runsWanted && (stats.runs === 0 || roll < 0.06)) { startRun(); continue; }
    if (roll < 0.12) { await sweep(); continue; }
    if (roll < 0.2) {
      now += (pick() < 0.5 ? lease + 1000 + pick() * 600_000 : 5000 + pick() * 120_000);
      continue;
    }
    const pipelines = live.filter((e) => e.kind === 'pipeline');
    if (roll < 0.215 && pipelines.length > 0) {
      const victim = choose(pipelines);
      log(`step ${step}: abort ${victim.name}`);
      for (let i = pending.length - 1; i >= 0; i--) {
        if (pending[i].exec === victim.name) pending.splice(i, 1)[0].reject(named('States.Aborted', 'aborted'));
      }
      victim.control.abort?.();
      continue;
    }
    if (pending.length > 0) {
      const [ticket] = pending.splice(Math.floor(pick() * pending.length), 1);
      await runTicket(ticket);
    } else {
      now += 1000;
    }
  }
  await Promise.all([...executions.values()].map((e) => e.promise));

  // Bounded: one sweep after every lease has run out stops whatever is left and frees the lock.
  now += lease + 60_000;
  await sweep(false);
  const left = (await nodes(aws, settings)).filter((n) => n.state !== 'stopped' && n.state !== 'stopping');
  const lock = await lockState(aws, settings);
  if (left.length > 0) violations.push(`after the last sweep, still running: ${left.map((n) => `${n.id} (${n.state})`).join(', ')}`);
  if (lock?.holder) violations.push(`after the last sweep, the lock is still held by ${lock.holder}`);

  // Fencing, from moto's request log: who changed the cluster, and did it hold the lock then.
  for (const line of readFileSync(recordFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const action = clusterAction(JSON.parse(line));
    if (!action) continue;
    const inv = invocations.get(action.actor);
    if (!inv) { violations.push(`${action.action} by unknown caller ${action.actor}`); continue; }
    const where = `step ${inv.step} ${inv.id} ${inv.handler} by ${inv.actor}: ${action.action}`;
    if (inv.actor === 'sweeper') {
      if (!takeable(inv.before, inv.now) || (inv.after?.token ?? 0) !== (inv.before?.token ?? 0) + 1) {
        violations.push(`${where} without the sweeper being granted the lock (before ${JSON.stringify(inv.before)}, after ${JSON.stringify(inv.after)})`);
      }
    } else if (!inv.lock || inv.before?.holder !== inv.lock.runId || inv.before?.token !== inv.lock.token || inv.before?.abandoned
      || inv.after?.holder !== inv.lock.runId || inv.after?.token !== inv.lock.token) {
      violations.push(`${where} under ${JSON.stringify(inv.lock)} while the lock was ${JSON.stringify(inv.before)} -> ${JSON.stringify(inv.after)}`);
    }
  }
  return { violations, stats };
}
