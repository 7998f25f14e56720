// Runs a definition on aws-local-stepfunctions with every Task calling the real bootstrap
// (`bootstrap invoke <Handler>`) against moto. A failing bootstrap becomes an error whose name is
// its errorType, exactly what Catch and Retry would match in AWS.
import { spawn } from 'node:child_process';
import { StateMachine } from 'aws-local-stepfunctions';
import { taskStates, statesOfType } from './stack.mjs';
import { appId } from './aws-recorder.mjs';

/** The environment of one bootstrap run: the SDK's user-agent app id names the handler (and its settings) for the request recorder. */
export function handlerEnv(handler, env) {
  return env?.PIPELINE_SETTINGS ? { ...env, AWS_SDK_UA_APP_ID: appId(handler, env.PIPELINE_SETTINGS) } : env;
}

/**
 * Runs one handler in its own process. Like Lambda, nothing outlives its task: past `timeoutMs`
 * (the state's TimeoutSeconds) the process is killed and the task fails with States.Timeout.
 */
export function invokeBootstrap(bootstrap, handler, input, env, timeoutMs = 0, running = new Set()) {
  const withApp = handlerEnv(handler, env);
  return new Promise((resolve, reject) => {
    const child = spawn(bootstrap, ['invoke', handler], { env: withApp, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs) : null;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (timer) clearTimeout(timer);
      if (timedOut) {
        const error = new Error(`${handler} did not answer within ${timeoutMs} ms; its process was ended`);
        error.name = 'States.Timeout';
        reject(error);
        return;
      }
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
 * @param options.taskTimeoutMs  ms after which a task's process is killed (States.Timeout); default:
 *                              the state's own TimeoutSeconds.
 * @param options.envFor        (stateName, handler, input) => env: the environment of one invocation
 *                              (a virtual clock, an actor's credentials); default `env`.
 * @param options.gate          async (stateName, handler, input, run) => output: wraps each invocation
 *                              (a scheduler that interleaves executions one task at a time).
 * @param options.control       gets abort(): aborts the execution from outside, ending its running tasks.
 */
export async function execute(definition, input, { stack, bootstrap, env, name, lambdaFaults = {}, afterTask, waitMs = 5, waitOverrides = {}, abortWhen, onEvent, serviceTasks = {}, taskTimeoutMs, envFor, gate, control }) {
  // The processes of this execution's running tasks: an abort ends them, as Lambda would.
  const running = new Set();
  const killRunning = () => { for (const child of running) child.kill('SIGKILL'); };
  const calls = [];
  const invocations = [];
  const handlers = {};
  const faultsLeft = Object.fromEntries(Object.entries(lambdaFaults).map(([k, v]) => [k, v.times]));
  const timeouts = taskTimeouts(definition);
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
      const run = (extraEnv) => invokeBootstrap(bootstrap, handler, taskInput, { ...(envFor ? envFor(stateName, handler, taskInput) : env), ...extraEnv }, taskTimeoutMs ?? (timeouts[stateName] ?? 0) * 1000, running);
      let output;
      try {
        output = gate ? await gate(stateName, handler, taskInput, run) : await run();
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
  if (control) control.abort = () => { execution.abort(); killRunning(); };
  const events = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      if (onEvent) await onEvent(event);
      if (abortWhen?.(event)) { execution.abort(); killRunning(); }
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

/** Each Task's TimeoutSeconds, by state name (branches and map processors included). */
function taskTimeouts(definition) {
  const found = {};
  const walk = (states) => {
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Type === 'Task' && state.TimeoutSeconds) found[stateName] = state.TimeoutSeconds;
      for (const branch of state.Branches ?? []) walk(branch.States);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor.States);
    }
  };
  walk(definition.States);
  return found;
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
