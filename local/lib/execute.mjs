// Runs a definition on aws-local-stepfunctions with every Task calling the real bootstrap
// (`bootstrap invoke <Handler>`) against moto. A failing bootstrap becomes an error whose name is
// its errorType, exactly what Catch and Retry would match in AWS.
import { spawn } from 'node:child_process';
import { StateMachine } from 'aws-local-stepfunctions';
import { taskStates, statesOfType } from './stack.mjs';

export function invokeBootstrap(bootstrap, handler, input, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bootstrap, ['invoke', handler], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve(JSON.parse(stdout));
        return;
      }
      const last = stderr.trim().split('\n').at(-1) ?? '';
      let parsed;
      try { parsed = JSON.parse(last); } catch { parsed = { errorType: 'Bootstrap.Crashed', errorMessage: stderr.slice(-2000) }; }
      const error = new Error(parsed.errorMessage);
      error.name = parsed.errorType;
      reject(error);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/**
 * @param options.lambdaFaults  {StateName: {error, times}}: the Lambda service fails before the
 *                              function runs (Lambda.ServiceException and the like).
 * @param options.afterTask     async (stateName, handler, output) => void: the outside world reacting
 *                              to a task (the simulated cluster writing a stage's output).
 * @param options.abortWhen     (event) => boolean: abort the execution when an event matches.
 * @param options.onEvent       (event) => void|Promise: sees each event as it happens (progress lines).
 * @param options.serviceTasks  {StateName: async (input) => output}: stands in for a non-Lambda
 *                              integration (e.g. states:startExecution.sync:2 runs a child locally).
 */
export async function execute(definition, input, { stack, bootstrap, env, name, lambdaFaults = {}, afterTask, waitMs = 5, waitOverrides = {}, abortWhen, onEvent, serviceTasks = {} }) {
  const calls = [];
  const invocations = [];
  const handlers = {};
  const faultsLeft = Object.fromEntries(Object.entries(lambdaFaults).map(([k, v]) => [k, v.times]));
  for (const [stateName, resource] of taskStates(definition)) {
    if (serviceTasks[stateName]) {
      handlers[stateName] = serviceTasks[stateName];
      continue;
    }
    const handler = stack.handlerByArn[resource];
    if (!handler) throw new Error(`${stateName}: resource ${resource} is not a function of the stack`);
    handlers[stateName] = async (taskInput) => {
      calls.push(handler);
      if (faultsLeft[stateName] > 0) {
        faultsLeft[stateName] -= 1;
        const error = new Error(`injected: the Lambda service failed before ${handler} ran`);
        error.name = lambdaFaults[stateName].error;
        throw error;
      }
      const began = performance.now();
      let output;
      try {
        output = await invokeBootstrap(bootstrap, handler, taskInput, env);
      } finally {
        invocations.push({ state: stateName, handler, ms: performance.now() - began });
      }
      if (afterTask) await afterTask(stateName, handler, output);
      return output;
    };
  }
  const waitTimeOverrides = Object.fromEntries(statesOfType(definition, 'Wait').map((s) => [s, waitOverrides[s] ?? waitMs]));
  const retryIntervalOverrides = Object.fromEntries(taskStates(definition).map(([s]) => [s, 5]));

  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
  const started = Date.now();
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides, retryIntervalOverrides },
    noThrowOnAbort: true,
    context: {
      Execution: { Id: `arn:aws:states:ap-northeast-2:123456789012:execution:Pipeline:${name}`, Name: name, Input: input, StartTime: new Date().toISOString() },
      StateMachine: { Id: 'arn:aws:states:ap-northeast-2:123456789012:stateMachine:Pipeline', Name: 'Pipeline' },
    },
  });
  const events = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      if (onEvent) await onEvent(event);
      if (abortWhen?.(event)) execution.abort();
    }
  })();

  let status = 'SUCCEEDED';
  let error = null;
  let output = null;
  try {
    output = await execution.result;
  } catch (e) {
    const cause = e.cause ?? e;
    status = cause.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
    error = { name: cause.name, cause: cause.message };
  }
  await collecting.catch(() => {});
  if (status === 'SUCCEEDED' && output === null && events.some((e) => e.type === 'ExecutionAborted')) status = 'ABORTED';
  const failed = events.findLast((ev) => ev.type === 'ExecutionFailed');
  if (failed) error = { name: failed.Error, cause: failed.Cause };
  const entered = events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name);
  const retried = events.filter((e) => e.type === 'StateRetried').map((e) => e.state.name);
  return { status, error, output, events, entered, retried, calls, invocations, seconds: (Date.now() - started) / 1000 };
}

function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Stands in for the Step Functions service behind `arn:aws:states:::states:startExecution.sync:2`:
 * runs the child state machine of the stack locally and fails with States.TaskFailed carrying the
 * child's error, as AWS reports it. Names behave as in Step Functions (standard workflows): a name
 * used before is refused with ExecutionAlreadyExists, except that a start with the same name *and the
 * same input* as a still running execution is idempotent: it returns that execution, and .sync then
 * waits for it and reports its outcome as if it were the caller's own.
 */
export function startExecutionSync(options, onChild) {
  const executions = new Map();
  return async (input) => {
    const definition = options.stack.machineByArn(input.StateMachineArn);
    if (!definition) throw named('StepFunctions.StateMachineDoesNotExistException', `no state machine ${input.StateMachineArn} in the stack`);
    const inputText = JSON.stringify(input.Input);
    const earlier = executions.get(input.Name);
    if (earlier && !(earlier.running && earlier.input === inputText)) {
      throw named('StepFunctions.ExecutionAlreadyExistsException', `Execution Already Exists: '${input.Name}'`);
    }
    let entry = earlier;
    if (!entry) {
      entry = { input: inputText, running: true };
      entry.result = (async () => {
        const child = await execute(definition, input.Input, { ...options, name: input.Name, serviceTasks: {} });
        entry.running = false;
        if (onChild) await onChild(input.Name, child);
        return child;
      })();
      executions.set(input.Name, entry);
    }
    const child = await entry.result;
    if (child.status !== 'SUCCEEDED') {
      throw named('States.TaskFailed', JSON.stringify({ Name: input.Name, Status: child.status, Error: child.error?.name, Cause: child.error?.cause }));
    }
    return { Name: input.Name, Status: 'SUCCEEDED', Output: JSON.stringify(child.output) };
  };
}
