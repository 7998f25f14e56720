// A MODEL of one production run, not a measurement of AWS: the real state machine definition (from
// the synthesized template) runs on aws-local-stepfunctions, but every Task is answered by a model
// handler that returns the JSON shape of the real handler and computes waitSeconds with the real
// policy (Domain/Backoff.cs, SubmitStage.FirstCheckSeconds, StartCluster/StartSpark/StopSpark's
// poll.initialSeconds). Time is virtual: each Wait advances the clock by its SecondsPath value, read
// from the Wait's StateEntered event, and the model's "world" (nodes ready, Spark up, a stage
// finished) answers from that clock. Tasks take no virtual time.
import { StateMachine } from '../../local/node_modules/aws-local-stepfunctions/build/main.node.esm.js';
import { taskStates, statesOfType } from '../../local/lib/stack.mjs';

/** Domain/Backoff.cs NextDelaySeconds: initial << clamp(attempt, 0, 16), capped at max. */
export function backoffSeconds(poll, attempt) {
  const exponent = Math.min(Math.max(attempt, 0), 16);
  return Math.min(poll.initialSeconds * 2 ** exponent, poll.maxSeconds);
}

/** Handlers/SubmitStage.cs FirstCheckSeconds: the stage's expectedMinutes, else poll.initialSeconds. */
export function firstCheckSeconds(poll, stage) {
  return stage.expectedMinutes > 0 ? stage.expectedMinutes * 60 : poll.initialSeconds;
}

/** Every state of a definition by name, nested branches included (names are unique in ASL). */
function allStates(definition) {
  const found = {};
  const walk = (states) => {
    for (const [name, state] of Object.entries(states)) {
      found[name] = state;
      for (const branch of state.Branches ?? []) walk(branch.States);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor.States);
    }
  };
  walk(definition.States);
  return found;
}

/** The reference paths Wait states use: $.a.b, $.a[0].b. */
function readPath(path, value) {
  if (!path.startsWith('$')) throw new Error(`unsupported path ${path}`);
  const parts = path.slice(1).match(/\.[^.[]+|\[\d+\]/g) ?? [];
  let v = value;
  for (const part of parts) v = v?.[part.startsWith('[') ? Number(part.slice(1, -1)) : part.slice(1)];
  return v;
}

class PipelineError extends Error {
  constructor(name, message) { super(message); this.name = name; }
}

/**
 * @param definition      the pipeline definition, substitutions resolved (local/lib/stack.mjs)
 * @param handlerByArn    function ARN -> handler name
 * @param policy          { poll, stages[{name, expectedMinutes, timeoutMinutes, outputPrefix}], workerCount,
 *                          clusterName, bucket, clusterReadyTimeoutSeconds, sparkReadyTimeoutSeconds }
 * @param world           { nodesReadySeconds, sparkUpSeconds, stageSeconds, sparkStopSeconds }
 * @param resolveRun      the real ResolveRun output for the date (the bootstrap computes it)
 */
export async function modelRun({ definition, handlerByArn, policy, world, resolveRun, date }) {
  const states = allStates(definition);
  const epoch = Date.UTC(2026, 1, 13, 1, 0, 0); // the schedule's 10:00 Asia/Seoul the day after
  let clock = 0;
  const iso = (seconds) => new Date(epoch + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const poll = policy.poll;
  const master = 'i-0model00000000000m';
  const workers = Array.from({ length: policy.workerCount }, (_, i) => `i-0model0000000000w${i}`);
  const nodeIds = [master, ...workers];
  const doneAt = new Map(); // commandId -> virtual second the command finishes
  const timeline = { nodesStartedAt: null, nodesReadyAt: null, nodesStoppedAt: null, stages: {} };
  const waits = [];
  const calls = [];

  const nodeReports = (state, reachable) => nodeIds.map((id) => ({
    instanceId: id, role: id === master ? 'master' : 'worker', state, privateAddress: state === 'running' ? `10.40.1.${nodeIds.indexOf(id) + 10}` : null, reachable,
  }));
  const commandStatus = (input) => {
    const finished = input.commands.every((c) => clock >= doneAt.get(c.commandId));
    const invocations = input.commands.flatMap((c) => c.instanceIds.map((id) => ({ commandId: c.commandId, instanceId: id, status: finished ? 'Succeeded' : 'InProgress', exitCode: finished ? 0 : null })));
    if (finished) return { done: true, status: 'succeeded', commands: input.commands, deadline: input.deadline, attempt: input.attempt + 1, waitSeconds: 0, invocations };
    if (clock > (Date.parse(input.deadline) - epoch) / 1000) throw new PipelineError('Pipeline.CommandTimedOut', `${input.commands[0].purpose}: not finished by ${input.deadline}`);
    return { done: false, status: 'pending', commands: input.commands, deadline: input.deadline, attempt: input.attempt + 1, waitSeconds: backoffSeconds(poll, input.attempt), invocations };
  };
  const stageSpec = (name) => policy.stages.find((s) => s.name === name) ?? (() => { throw new Error(`no stage ${name}`); })();
  const expand = (template) => template.replaceAll('{ds}', date).replaceAll('{ds_nodash}', date.replaceAll('-', '')).replaceAll('{bucket}', policy.bucket);

  const model = {
    ResolveRun: () => resolveRun,
    CheckInput: () => ({ bucket: policy.bucket, prefix: resolveRun.inputPrefix, ready: true, objectCount: 3, moreObjects: false, firstKey: `${resolveRun.inputPrefix}trip-0.parquet`, waitSeconds: 0 }),
    AcquireLock: (input) => ({ clusterName: policy.clusterName, runId: input.runId, acquiredAt: iso(clock), tookOverFrom: null }),
    StartCluster: () => {
      timeline.nodesStartedAt = clock;
      return { clusterName: policy.clusterName, started: nodeIds, alreadyRunning: [], nodes: nodeReports('pending', null), readyDeadline: iso(clock + policy.clusterReadyTimeoutSeconds), waitSeconds: poll.initialSeconds, attempt: 0 };
    },
    ClusterStatus: (input) => {
      const ready = clock >= timeline.nodesStartedAt + world.nodesReadySeconds;
      if (!ready && clock > (Date.parse(input.readyDeadline) - epoch) / 1000) throw new PipelineError('Pipeline.ClusterStartTimeout', 'model: nodes not ready by the deadline');
      if (ready) timeline.nodesReadyAt ??= clock;
      return { ready, masterAddress: ready ? '10.40.1.10' : null, nodes: nodeReports(ready ? 'running' : 'pending', ready), attempt: input.attempt + 1, waitSeconds: backoffSeconds(poll, input.attempt), readyDeadline: input.readyDeadline };
    },
    StartSpark: () => {
      const timeout = policy.sparkReadyTimeoutSeconds + 60;
      const commands = [
        { commandId: 'model-start-master', instanceIds: [master], purpose: 'start-master' },
        { commandId: 'model-start-workers', instanceIds: workers, purpose: 'start-workers' },
      ];
      for (const c of commands) doneAt.set(c.commandId, clock + world.sparkUpSeconds);
      return { commands, deadline: iso(clock + timeout + 120), waitSeconds: poll.initialSeconds, skipped: [], attempt: 0, done: false };
    },
    CommandStatus: (input) => {
      const out = commandStatus(input);
      const stage = Object.values(timeline.stages).find((s) => s.commandId === input.commands[0].commandId);
      if (stage) { stage.checks += 1; if (out.done) stage.detectedAt = clock; }
      return out;
    },
    SubmitStage: (input) => {
      const stage = stageSpec(input.stage);
      const commandId = `model-${stage.name}`;
      doneAt.set(commandId, clock + world.stageSeconds);
      timeline.stages[stage.name] = { commandId, submittedAt: clock, finishedAt: clock + world.stageSeconds, detectedAt: null, checks: 0, firstCheckSeconds: firstCheckSeconds(poll, stage) };
      return { stage: stage.name, batchDate: input.batchDate, commands: [{ commandId, instanceIds: [master], purpose: stage.name }], deadline: iso(clock + stage.timeoutMinutes * 60 + 120), waitSeconds: firstCheckSeconds(poll, stage), attempt: 0, done: false };
    },
    VerifyOutput: (input) => {
      const prefix = expand(stageSpec(input.stage).outputPrefix);
      return { bucket: policy.bucket, prefix, objectCount: 1, moreObjects: false, firstKey: `${prefix}part-00000.parquet` };
    },
    StopSpark: () => {
      const commands = [{ commandId: 'model-stop-spark', instanceIds: nodeIds, purpose: 'stop-spark' }];
      doneAt.set('model-stop-spark', clock + world.sparkStopSeconds);
      return { commands, deadline: iso(clock + 240), waitSeconds: poll.initialSeconds, skipped: [], attempt: 0, done: false };
    },
    StopCluster: () => {
      timeline.nodesStoppedAt ??= clock;
      return { clusterName: policy.clusterName, stopping: nodeIds, alreadyStopped: [] };
    },
    ReleaseLock: (input) => ({ clusterName: policy.clusterName, runId: input.runId, released: true, heldBy: null }),
    RecordRun: (input) => ({ bucket: policy.bucket, key: `runs/dt=${date}/${iso(clock).replace(/[-:]/g, '')}_${input.runId}.json`, status: input.status }),
  };

  // A Task's handler runs only after the event consumer has seen that Task's StateEntered, so
  // every Wait before it has already moved the clock (events are forwarded in order).
  const entered = new Map();
  const waiters = [];
  const seen = (name, count) => new Promise((resolve) => {
    if ((entered.get(name) ?? 0) >= count) resolve();
    else waiters.push({ name, count, resolve });
  });
  const visits = new Map();
  const handlers = {};
  for (const [stateName, resource] of taskStates(definition)) {
    const handler = handlerByArn[resource];
    if (!model[handler]) throw new Error(`model: no model for handler ${handler} (state ${stateName})`);
    handlers[stateName] = async (input) => {
      const visit = (visits.get(stateName) ?? 0) + 1;
      visits.set(stateName, visit);
      await seen(stateName, visit);
      calls.push({ state: stateName, handler, at: clock });
      return model[handler](input);
    };
  }

  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
  const name = `${date}-model`;
  const execution = machine.run({ date }, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: Object.fromEntries(statesOfType(definition, 'Wait').map((s) => [s, 0])),
      retryIntervalOverrides: Object.fromEntries(taskStates(definition).map(([s]) => [s, 0])),
    },
    noThrowOnAbort: true,
    context: {
      Execution: { Id: `arn:aws:states:ap-northeast-2:123456789012:execution:Pipeline:${name}`, Name: name, Input: { date }, StartTime: iso(0) },
      StateMachine: { Id: 'arn:aws:states:ap-northeast-2:123456789012:stateMachine:Pipeline', Name: 'Pipeline' },
    },
  });
  const events = [];
  const consuming = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      if (event.type !== 'StateEntered') continue;
      const state = states[event.state.name];
      if (state?.Type === 'Wait') {
        const seconds = state.SecondsPath ? readPath(state.SecondsPath, event.state.input) : state.Seconds;
        if (!Number.isFinite(seconds)) throw new Error(`model: ${event.state.name} waits ${seconds} (${state.SecondsPath ?? 'no SecondsPath'})`);
        waits.push({ state: event.state.name, at: clock, seconds });
        clock += seconds;
      }
      entered.set(event.state.name, (entered.get(event.state.name) ?? 0) + 1);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if ((entered.get(waiters[i].name) ?? 0) >= waiters[i].count) waiters.splice(i, 1)[0].resolve();
      }
    }
  })();

  let status = 'SUCCEEDED';
  let error = null;
  try {
    await execution.result;
  } catch (e) {
    status = 'FAILED';
    error = `${(e.cause ?? e).name}: ${(e.cause ?? e).message}`;
  }
  await consuming;
  const enteredStates = events.filter((e) => e.type === 'StateEntered');
  const byState = {};
  for (const e of enteredStates) byState[e.state.name] = (byState[e.state.name] ?? 0) + 1;
  const lambdaByHandler = {};
  for (const c of calls) lambdaByHandler[c.handler] = (lambdaByHandler[c.handler] ?? 0) + 1;
  return {
    status,
    error,
    stateTransitions: enteredStates.length,
    retries: events.filter((e) => e.type === 'StateRetried').length,
    lambdaInvocations: calls.length,
    lambdaByHandler,
    transitionsByState: byState,
    virtualSeconds: clock,
    nodeRunningSeconds: timeline.nodesStoppedAt !== null ? timeline.nodesStoppedAt - timeline.nodesStartedAt : null,
    nodesReadyDetectedAfterSeconds: timeline.nodesReadyAt !== null ? timeline.nodesReadyAt - timeline.nodesStartedAt : null,
    stages: Object.fromEntries(Object.entries(timeline.stages).map(([n, s]) => [n, {
      submittedAt: s.submittedAt, finishedAt: s.finishedAt, detectedAt: s.detectedAt, statusChecks: s.checks,
      firstCheckSeconds: s.firstCheckSeconds, detectionLagSeconds: s.detectedAt === null ? null : s.detectedAt - s.finishedAt,
    }])),
    waits,
    calls,
  };
}

