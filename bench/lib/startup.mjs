// Starts a build of the Lambda bootstrap in Lambda mode against the benchmark's own Runtime API
// and times it: cold (process start -> first response posted) and warm (many invocations in one
// process, next delivered -> response posted), with the process's peak RSS from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startRuntimeApi } from './runtime-api.mjs';

/** VmHWM (peak resident set) and VmRSS of a live process, in KiB. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { vmHwmKiB: field('VmHWM'), vmRssKiB: field('VmRSS') };
}

function launch(build, handler, env, api) {
  const child = spawn(build.command, build.args, {
    env: { ...env, AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: handler },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d) => { output = (output + d).slice(-4000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (e) => keep(`spawn error: ${e.message}`));
  return { child, exited, output: () => output };
}

async function stop(run) {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.exited;
}

/** Waits for an answer, or fails with the process's output if it dies first. */
async function answer(run, pending, what) {
  const died = run.exited.then(({ code, signal }) => { throw new Error(`${what}: the process ended (code ${code}, signal ${signal}) before answering:\n${run.output()}`); });
  const record = await Promise.race([pending, died]);
  if (record.kind !== 'response') {
    throw new Error(`${what}: expected a response, got ${record.kind} ${record.errorType ?? ''} ${record.body?.slice(0, 500)}`);
  }
  return record;
}

/** One fresh process, one invocation: milliseconds from spawn to the posted response. */
export async function coldStart(build, handler, payload, env) {
  const api = await startRuntimeApi();
  const pending = api.invoke(payload); // queued before the process exists: /next answers at once
  const started = performance.now();
  const run = launch(build, handler, env, api);
  try {
    const record = await answer(run, pending, `${build.name} ${handler} cold start`);
    const memory = memoryOf(run.child.pid);
    return {
      totalMs: record.answeredAt - started,
      initMs: api.firstNextAt - started,
      invokeMs: record.answeredAt - record.deliveredAt,
      vmHwmKiB: memory.vmHwmKiB,
      body: record.body,
    };
  } finally {
    await stop(run);
    await api.close();
  }
}

/** One process, `count` invocations in a row: per-invocation handler time and the peak RSS. */
export async function warm(build, handler, payload, env, count) {
  const api = await startRuntimeApi();
  const run = launch(build, handler, env, api);
  try {
    const ms = [];
    for (let i = 0; i < count; i++) {
      const record = await answer(run, api.invoke(payload), `${build.name} ${handler} invocation ${i + 1}`);
      ms.push(record.answeredAt - record.deliveredAt);
    }
    return { ms, ...memoryOf(run.child.pid) };
  } finally {
    await stop(run);
    await api.close();
  }
}
