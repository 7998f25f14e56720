// ./pipeline bench (through bench/run.sh, which builds first): cold start, warm handler time and
// peak RSS of the Native AOT bootstrap beside a JIT build of the same code, the AOT deployment
// package size, a MODEL of a production run's orchestration cost on the real definition, and the
// overhead of ./pipeline local. Writes bench/results.json and prints a table.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadStack, REGION } from '../local/lib/stack.mjs';
import { startMoto } from '../local/lib/moto.mjs';
import { clients, createWorld } from '../local/lib/world.mjs';
import { costOf, loadPrices } from '../local/lib/report.mjs';
import { coldStart, warm } from './lib/startup.mjs';
import { summary, median } from './lib/stats.mjs';
import { modelRun } from './lib/model.mjs';
import { machineFacts } from './lib/machine.mjs';

const root = resolve(import.meta.dirname, '..');
const began = performance.now();
const say = (line) => console.log(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}`);

function options(argv) {
  const o = { coldRuns: 30, warmInvocations: 1000, stageSeconds: 5, date: '2026-02-12', out: join(root, 'bench/results.json'), local: true };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i];
    switch (argv[i]) {
      case '--cold-runs': o.coldRuns = Number(value()); break;
      case '--warm-invocations': o.warmInvocations = Number(value()); break;
      case '--stage-seconds': o.stageSeconds = Number(value()); break;
      case '--date': o.date = value(); break;
      case '--out': o.out = resolve(value()); break;
      case '--skip-local': o.local = false; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

const MiB = (kib) => Number((kib / 1024).toFixed(1));
const round = (v, d = 2) => (v === null || v === undefined ? null : Number(v.toFixed(d)));

/** The two handlers: one with no AWS call, one that creates AWS clients and calls (moto) S3. */
function handlerCases(date) {
  return [
    { handler: 'ResolveRun', payload: { date }, aws: false },
    { handler: 'CheckInput', payload: { batchDate: date }, aws: true },
  ];
}

async function measureStartup(o, builds, env) {
  const cases = handlerCases(o.date);
  const cold = {};
  for (const c of cases) {
    cold[c.handler] = { aot: [], jit: [] };
    // One discarded start per build, so both find the file cache and moto equally warm.
    for (const build of Object.values(builds)) await coldStart(build, c.handler, c.payload, env);
  }
  say(`cold starts: ${o.coldRuns} per build and handler, interleaved AOT/JIT (order alternating)`);
  for (let i = 0; i < o.coldRuns; i++) {
    const order = i % 2 === 0 ? ['aot', 'jit'] : ['jit', 'aot'];
    for (const c of cases) {
      for (const key of order) cold[c.handler][key].push(await coldStart(builds[key], c.handler, c.payload, env));
    }
    if ((i + 1) % 10 === 0 || i + 1 === o.coldRuns) say(`  ${i + 1}/${o.coldRuns} rounds`);
  }
  const coldResult = {};
  for (const c of cases) {
    const per = {};
    for (const key of ['aot', 'jit']) {
      const runs = cold[c.handler][key];
      per[key] = {
        totalMs: summary(runs.map((r) => r.totalMs)),
        initMs: summary(runs.map((r) => r.initMs)),
        invokeMs: summary(runs.map((r) => r.invokeMs)),
        peakRssMiBAfterFirstInvoke: summary(runs.map((r) => r.vmHwmKiB / 1024), 1),
      };
    }
    coldResult[c.handler] = {
      payload: c.payload,
      callsAws: c.aws,
      response: JSON.parse(cold[c.handler].aot[0].body),
      ...per,
      ratioOfMedians: round(per.jit.totalMs.median / per.aot.totalMs.median, 1),
    };
  }

  say(`warm: ${o.warmInvocations} invocations in one process per build and handler`);
  const warmResult = {};
  for (const c of cases) {
    warmResult[c.handler] = {};
    for (const key of ['aot', 'jit']) {
      const w = await warm(builds[key], c.handler, c.payload, env, o.warmInvocations);
      warmResult[c.handler][key] = {
        ms: summary(w.ms, 3),
        firstMs: round(w.ms[0], 2),
        medianAfterFirst100Ms: round(median(w.ms.slice(100)), 3),
        peakRssMiB: MiB(w.vmHwmKiB),
        rssAtEndMiB: MiB(w.vmRssKiB),
      };
      say(`  ${c.handler} ${key.toUpperCase()}: median ${warmResult[c.handler][key].ms.median} ms, peak RSS ${warmResult[c.handler][key].peakRssMiB} MiB`);
    }
  }
  return { cold: coldResult, warm: warmResult };
}

function packageSize(bootstrap) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-zip-'));
  try {
    const zip = join(dir, 'function.zip');
    // What Lambda receives: the executable alone (the CDK asset excludes bootstrap.dbg).
    const r = spawnSync('zip', ['-q', '-9', '-X', '-j', zip, bootstrap], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
    const bytes = statSync(zip).size;
    return {
      zipBytes: bytes,
      zipMB: round(bytes / 1e6, 2),
      zipMiB: round(bytes / 2 ** 20, 2),
      bootstrapBytes: statSync(bootstrap).size,
      method: 'zip -9 -X of artifacts/functions/bootstrap alone (no bootstrap.dbg), as the CDK asset holds it',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real ResolveRun (no AWS call) for the model's first state, with the given settings. */
function realResolveRun(bootstrap, settings, date) {
  const r = spawnSync(bootstrap, ['invoke', 'ResolveRun', JSON.stringify({ date })], { encoding: 'utf8', env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(settings) } });
  if (r.status !== 0) throw new Error(`ResolveRun refused the settings: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function orchestration(o, stack, cdk, bootstrap, fromTemplate) {
  const world = { nodesReadySeconds: 90, sparkUpSeconds: 60, stageSeconds: 20 * 60, sparkStopSeconds: 10 };
  const policyOf = (settings) => ({
    ...settings,
    stages: settings.stages.map((s) => ({ expectedMinutes: 0, ...s })), // absent = 0, as the C# default
  });
  const run = async (settings) => modelRun({
    definition: stack.pipeline, handlerByArn: stack.handlerByArn, policy: policyOf(settings), world,
    resolveRun: realResolveRun(bootstrap, settings, o.date), date: o.date,
  });
  const primary = await run(cdk.pipeline);
  // How the count moves when a stage runs shorter or longer than its expectedMinutes.
  const sensitivity = {};
  for (const minutes of [10, 15, 20, 30, 45, 55]) {
    const m = await modelRun({
      definition: stack.pipeline, handlerByArn: stack.handlerByArn, policy: policyOf(cdk.pipeline), world: { ...world, stageSeconds: minutes * 60 },
      resolveRun: realResolveRun(bootstrap, cdk.pipeline, o.date), date: o.date,
    });
    sensitivity[`${minutes} min`] = m.status === 'SUCCEEDED' ? m.stateTransitions : m.status;
  }
  const deployed = fromTemplate ? await run(stack.settings) : null;
  const brief = (m) => ({
    status: m.status, error: m.error, stateTransitions: m.stateTransitions, lambdaInvocations: m.lambdaInvocations,
    nodeRunningSeconds: m.nodeRunningSeconds, virtualSeconds: m.virtualSeconds,
    stageDetectionLagSeconds: Object.fromEntries(Object.entries(m.stages).map(([n, s]) => [n, s.detectionLagSeconds])),
  });
  return {
    label: 'MODEL (virtual clock, model handlers) on the real definition; not a measurement of AWS',
    world: { nodesReadyAfterSeconds: world.nodesReadySeconds, sparkUpAfterSeconds: world.sparkUpSeconds, stageMinutes: world.stageSeconds / 60, stages: cdk.pipeline.stages.length, sparkStopSeconds: world.sparkStopSeconds, taskDurationInModel: 0 },
    policy: {
      source: 'cdk.json context.pipeline (poll, stages[].expectedMinutes), Domain/Backoff.cs, Handlers/SubmitStage.cs FirstCheckSeconds',
      poll: cdk.pipeline.poll,
      expectedMinutes: Object.fromEntries(cdk.pipeline.stages.map((s) => [s.name, s.expectedMinutes ?? 0])),
    },
    ...primary,
    stateTransitionsByStageMinutes: sensitivity,
    withSynthesizedSettings: deployed && {
      note: 'the same model with the PIPELINE_SETTINGS the synthesized template gives the functions',
      expectedMinutes: Object.fromEntries(stack.settings.stages.map((s) => [s.name, s.expectedMinutes ?? null])),
      ...brief(deployed),
    },
  };
}

function costs(model, warmResult, coldResult, deploy, pipeline, prices) {
  const warmMs = (handler) => (handler === 'ResolveRun' ? warmResult.ResolveRun.aot.ms.median : warmResult.CheckInput.aot.ms.median);
  const coldMs = (handler) => (handler === 'ResolveRun' ? coldResult.ResolveRun.aot.totalMs.median : coldResult.CheckInput.aot.totalMs.median);
  const nodeSeconds = {};
  nodeSeconds[deploy.masterInstanceType] = (nodeSeconds[deploy.masterInstanceType] ?? 0) + model.nodeRunningSeconds;
  nodeSeconds[deploy.workerInstanceType] = (nodeSeconds[deploy.workerInstanceType] ?? 0) + model.nodeRunningSeconds * pipeline.workerCount;
  const per = (invocationMs) => costOf({ transitions: model.stateTransitions, invocationMs, nodeSeconds, memoryMiB: deploy.functionMemoryMiB }, prices);
  const perRun = per(model.calls.map((c) => warmMs(c.handler)));
  const allCold = per(model.calls.map((c) => coldMs(c.handler)));
  const usd = (v) => Number(v.toFixed(6));
  const monthly = (v) => usd(v * 30);
  return {
    label: 'MODEL: list prices from local/prices.json applied to the modelled run',
    pricesNote: prices.note,
    assumptions: {
      runsPerMonth: 30,
      functionMemoryMiB: deploy.functionMemoryMiB,
      lambdaDurationMs: { ResolveRun: warmMs('ResolveRun'), everyOtherHandler: warmMs('CheckInput'), source: 'AOT warm medians measured above; handlers other than ResolveRun are priced at CheckInput (one AWS call, here to moto)' },
      nodes: { [deploy.masterInstanceType]: 1, [deploy.workerInstanceType]: pipeline.workerCount, runningSecondsPerRun: model.nodeRunningSeconds, billedFrom: 'StartCluster to StopCluster in virtual time' },
      notIncluded: 'EBS root volumes of the stopped nodes (billed monthly whether running or not), S3, DynamoDB, CloudWatch Logs, SNS, data transfer, free tiers: prices.json has no figure for them',
    },
    perRun: { stepFunctions: usd(perRun.stepFunctions), lambda: usd(perRun.lambda), lambdaGbSeconds: round(perRun.gbSeconds, 4), ec2: usd(perRun.ec2), total: usd(perRun.total) },
    monthly: {
      stepFunctions: monthly(perRun.stepFunctions),
      lambda: monthly(perRun.lambda),
      lambdaIfEveryInvocationWereCold: monthly(allCold.lambda),
      orchestration: monthly(perRun.stepFunctions + perRun.lambda),
      ec2Nodes: monthly(perRun.ec2),
      total: monthly(perRun.total),
      airflowServer: prices.airflowServer.perMonth,
    },
  };
}

/** The first file under `paths` (bin/ and obj/ left out) modified after `than`, or null. */
function newerFile(paths, than) {
  const walk = (path) => {
    if (!existsSync(path)) return null;
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs > than ? path : null;
    for (const entry of readdirSync(path)) {
      if (entry === 'bin' || entry === 'obj' || entry === 'node_modules' || entry === '__pycache__') continue;
      const found = walk(join(path, entry));
      if (found) return found;
    }
    return null;
  };
  for (const path of paths) {
    const found = walk(join(root, path));
    if (found) return relative(root, found);
  }
  return null;
}

/**
 * Why ./pipeline local would rebuild before running (the rules of its ensure_built), or null. A rebuild
 * here would re-synthesize cdk.out, which starts by deleting it: other people's half-finished
 * edits to cdk/ or cdk.json then leave everyone without a template. The benchmark does not do that.
 */
function localWouldRebuild() {
  const bootstrap = join(root, 'artifacts/functions/bootstrap');
  if (!existsSync(bootstrap)) return 'artifacts/functions/bootstrap is missing';
  const staleCode = newerFile(['src/Functions', 'Directory.Build.props', 'Directory.Packages.props'], statSync(bootstrap).mtimeMs);
  if (staleCode) return `${staleCode} is newer than the bootstrap (it would publish)`;
  let template;
  try { template = readdirTemplate(join(root, 'cdk.out')); } catch { return 'cdk.out has no template (it would synthesize)'; }
  const staleTemplate = newerFile(['statemachine', 'cdk', 'cdk.json', 'jobs', 'src/Functions/Domain', 'artifacts/functions/bootstrap'], statSync(template).mtimeMs);
  return staleTemplate ? `${staleTemplate} is newer than the synthesized template (it would re-synthesize cdk.out)` : null;
}

/** ./pipeline local with a simulated stage time; the run's report gives its duration. */
async function localOverhead(o, pipelineSettings) {
  const flags = ['--date', o.date, '--stage-seconds', String(o.stageSeconds)];
  const asked = `./pipeline local ${flags.join(' ')}`;
  const rebuild = localWouldRebuild();
  // What ./pipeline local runs once its build step is done, run directly when that step would rebuild.
  const [program, args, command] = rebuild
    ? [join(root, 'local/node_modules/.bin/node'), [join(root, 'local/run-local.mjs'), ...flags], `local/node_modules/.bin/node local/run-local.mjs ${flags.join(' ')}`]
    : [join(root, 'pipeline'), ['local', ...flags], asked];
  say(`overhead: ${command}${rebuild ? ` (what ${asked} runs after its build step, which would rebuild: ${rebuild})` : ''}`);
  const started = performance.now();
  const result = await new Promise((resolveRun) => {
    const child = spawn(program, args, { cwd: root, env: { ...process.env, SPARK_HOME: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const timer = setTimeout(() => child.kill('SIGTERM'), 600_000);
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code, stdout, stderr }); });
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const base = { command, askedFor: asked, ranDirectlyBecause: rebuild, exitCode: result.code };
  const line = result.stdout.split('\n').find((l) => l.startsWith('report: '));
  if (!line) return { ...base, error: `no report line; stderr: ${result.stderr.slice(-1500)}` };
  const reportPath = line.slice('report: '.length).trim();
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const stages = Object.keys(report.outputs ?? {}).length;
  const simulated = stages * o.stageSeconds;
  return {
    ...base,
    status: report.status,
    reportPath,
    runSeconds: round(report.seconds, 2),
    stages,
    stageSeconds: o.stageSeconds,
    simulatedWorkSeconds: simulated,
    overheadSeconds: round(report.seconds - simulated, 2),
    limitSeconds: 2 * pipelineSettings.poll.initialSeconds,
    limitIs: `2 poll intervals (2 x pipeline.poll.initialSeconds = 2 x ${pipelineSettings.poll.initialSeconds} s)`,
    stateTransitions: report.stateTransitions,
    lambdaInvocations: report.lambdaInvocations,
    commandWallSeconds: round(wallSeconds, 1),
    note: 'the local harness shortens every Wait to 200 ms, so this is the cost of process starts, moto calls, the interpreter and the Spark stand-in, not of AWS polling (for that see the model\'s stage detection lag)',
  };
}

function target(id, description, value, limit, unit, pass) {
  return { id, description, value, limit, unit, pass: value === null || value === undefined ? false : pass };
}

function table(results) {
  const c = results.coldStart.handlers;
  const w = results.warm.handlers;
  const rows = [
    ['measure', 'AOT', 'JIT', 'AOT vs JIT'],
    ...['ResolveRun', 'CheckInput'].flatMap((h) => [
      [`cold start ${h}, median ms`, c[h].aot.totalMs.median, c[h].jit.totalMs.median, `${c[h].ratioOfMedians}x faster`],
      [`cold start ${h}, p90 ms`, c[h].aot.totalMs.p90, c[h].jit.totalMs.p90, ''],
    ]),
    ...['ResolveRun', 'CheckInput'].flatMap((h) => [
      [`warm ${h}, median ms (n=${w[h].aot.ms.n})`, w[h].aot.ms.median, w[h].jit.ms.median, ''],
      [`peak RSS ${h}, MiB (VmHWM)`, w[h].aot.peakRssMiB, w[h].jit.peakRssMiB, ''],
    ]),
    ['deployment zip (bootstrap only)', `${results.size.zipBytes} B = ${results.size.zipMB} MB`, '-', ''],
  ];
  const m = results.orchestrationModel;
  const k = results.cost;
  const lines = [];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  lines.push(...rows.map((r) => r.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')));
  lines.push('');
  lines.push(`MODEL of a production run (virtual clock; 2 stages x 20 min, nodes ready after 90 s, Spark up after 60 s): ${m.status}`);
  lines.push(`  state transitions ${m.stateTransitions}, Lambda invocations ${m.lambdaInvocations}, nodes running ${(m.nodeRunningSeconds / 60).toFixed(1)} min, stage end detected ${Object.values(m.stages).map((s) => `${s.detectionLagSeconds} s`).join(' / ')} after it finished`);
  lines.push(`  state transitions if every stage took: ${Object.entries(m.stateTransitionsByStageMinutes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (m.withSynthesizedSettings) lines.push(`  with the synthesized template's settings: ${m.withSynthesizedSettings.stateTransitions} transitions, ${m.withSynthesizedSettings.lambdaInvocations} invocations`);
  if (m.definition.kind !== 'synthesized template') lines.push(`  definition: ${m.definition.kind}; ${m.definition.why}`);
  lines.push(`  monthly (30 runs, list prices): Step Functions $${k.monthly.stepFunctions.toFixed(4)} + Lambda $${k.monthly.lambda.toFixed(4)} = orchestration $${k.monthly.orchestration.toFixed(4)}; EC2 nodes $${k.monthly.ec2Nodes.toFixed(2)}; total $${k.monthly.total.toFixed(2)}  vs always-on Airflow server $${k.monthly.airflowServer.toFixed(2)}`);
  const l = results.localOverhead;
  if (l) {
    lines.push(l.error
      ? `local overhead: ${l.command} failed: ${l.error}`
      : `local overhead: ${l.askedFor}: run ${l.runSeconds} s - ${l.stages} stages x ${l.stageSeconds} s simulated = ${l.overheadSeconds} s (limit ${l.limitSeconds} s = ${l.limitIs})`);
    if (l.ranDirectlyBecause) lines.push(`  run as ${l.command}, because ./pipeline local would first rebuild: ${l.ranDirectlyBecause}`);
  }
  lines.push('');
  const tw = Math.max(...results.targets.map((t) => t.description.length));
  lines.push('targets:');
  for (const t of results.targets) lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.description.padEnd(tw)}  ${t.value} ${t.unit} (limit ${t.limit})`);
  return lines.join('\n');
}

async function main() {
  const o = options(process.argv.slice(2));
  const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;
  const deploy = cdk.deployment;
  const prices = loadPrices(join(root, 'local/prices.json'));
  const { stack, definitionSource } = loadDefinition(cdk);
  const aotPath = join(root, 'artifacts/functions/bootstrap');
  const jitDll = join(root, 'artifacts/functions-jit/bootstrap.dll');
  for (const p of [aotPath, jitDll]) if (!existsSync(p)) throw new Error(`${p} is missing: run bench/run.sh, which builds it`);
  const builds = {
    aot: { name: 'AOT', command: aotPath, args: [] },
    jit: { name: 'JIT', command: 'dotnet', args: [jitDll] },
  };

  say('machine facts');
  const machine = machineFacts();

  // The functions get the PIPELINE_SETTINGS the synthesized template gives them, if this code accepts it.
  let settingsSource = definitionSource.kind === 'synthesized template' ? 'PIPELINE_SETTINGS from the synthesized template (cdk.out)' : 'PIPELINE_SETTINGS = cdk.json context.pipeline (no synthesized template)';
  let settingsJson = JSON.stringify(stack.settings);
  const probe = spawnSync(aotPath, ['invoke', 'ResolveRun', JSON.stringify({ date: o.date })], { encoding: 'utf8', env: { PATH: process.env.PATH, PIPELINE_SETTINGS: settingsJson } });
  if (probe.status !== 0) {
    settingsSource = `built-in default settings (the template's PIPELINE_SETTINGS was refused: ${probe.stderr.trim().slice(0, 300)})`;
    settingsJson = '';
  }

  let moto;
  const results = { schema: 1, date: new Date().toISOString(), command: `./pipeline bench ${process.argv.slice(2).join(' ')}`.trim(), machine };
  machine.loadAverageAtStart = os.loadavg().map((v) => round(v, 2));
  try {
    moto = await startMoto();
    const aws = clients(moto.endpoint);
    await createWorld(aws, stack.settings, { date: o.date, inputFiles: 3 });
    say(`moto at ${moto.endpoint}: bucket ${stack.settings.bucket} with 3 input objects for ${o.date}`);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? tmpdir(),
      TZ: ':UTC',
      LANG: 'C.UTF-8',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(deploy.functionMemoryMiB),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      ...(settingsJson ? { PIPELINE_SETTINGS: settingsJson } : {}),
    };

    const startup = await measureStartup(o, builds, env);
    results.builds = {
      aot: { path: relative(root, aotPath), bytes: statSync(aotPath).size, builtAt: statSync(aotPath).mtime.toISOString(), startedAs: 'artifacts/functions/bootstrap' },
      jit: { path: relative(root, jitDll), builtAt: statSync(jitDll).mtime.toISOString(), startedAs: 'dotnet artifacts/functions-jit/bootstrap.dll (framework-dependent, PublishAot=false)' },
      sourceFingerprint: process.env.BENCH_SOURCE_FINGERPRINT ?? null,
      sameSource: process.env.BENCH_SAME_SOURCE === 'true',
      functionsCsproj: readFileSync(join(root, 'src/Functions/Functions.csproj'), 'utf8').match(/<PropertyGroup>[\s\S]*?<\/PropertyGroup>/)?.[0].split('\n').map((l) => l.trim()).filter((l) => /^<[A-Za-z]+>[^<]*<\//.test(l)) ?? [],
    };
    results.method = {
      runtimeApi: 'bench/lib/runtime-api.mjs: GET /2018-06-01/runtime/invocation/next (request id, deadline, function ARN and trace id headers), POST .../{id}/response and .../{id}/error, POST /init/error; 127.0.0.1, a free port per process',
      coldStart: 'a fresh process per sample in Lambda mode (AWS_LAMBDA_RUNTIME_API, _HANDLER), the invocation queued before spawn; time from spawn to the response POST arriving; process killed after; one discarded start per build and handler first (file cache and moto warm)',
      warm: 'one process, invocations back to back; time from /next answered to the response POST arriving, measured at the emulator',
      memory: 'VmHWM from /proc/PID/status after the warm invocations (the JIT figure is the dotnet host process, which runs the app in-process)',
      environment: 'dummy credentials, AWS_REGION, AWS_ENDPOINT_URL=moto, AWS_EC2_METADATA_DISABLED=true, PIPELINE_SETTINGS: ' + settingsSource,
    };
    results.settingsSource = settingsSource;
    results.coldStart = { runsPerBuildAndHandler: o.coldRuns, discardedWarmupRuns: 1, handlers: startup.cold };
    results.warm = { invocationsPerProcess: o.warmInvocations, handlers: startup.warm };
  } finally {
    await moto?.stop();
  }
  results.coldStartRatios = Object.fromEntries(Object.entries(results.coldStart.handlers).map(([h, v]) => [h, v.ratioOfMedians]));
  results.memory = {
    peakRssMiB: {
      aot: Math.max(...Object.values(results.warm.handlers).map((h) => h.aot.peakRssMiB)),
      jit: Math.max(...Object.values(results.warm.handlers).map((h) => h.jit.peakRssMiB)),
    },
    byHandler: Object.fromEntries(Object.entries(results.warm.handlers).map(([h, v]) => [h, { aot: v.aot.peakRssMiB, jit: v.jit.peakRssMiB }])),
  };

  say('size: the AOT deployment package');
  results.size = packageSize(aotPath);

  say(`orchestration: MODEL of a production run on the definition from the ${definitionSource.kind}`);
  const model = await orchestration(o, stack, cdk, aotPath, definitionSource.kind === 'synthesized template');
  const definitionFile = join(root, definitionSource.file);
  results.orchestrationModel = {
    definition: { ...definitionSource, modified: statSync(definitionFile).mtime.toISOString(), aslNewerThanIt: statSync(join(root, 'statemachine/pipeline.asl.json')).mtimeMs > statSync(definitionFile).mtimeMs },
    ...model,
  };
  results.cost = costs(model, results.warm.handlers, results.coldStart.handlers, deploy, cdk.pipeline, prices);
  delete results.orchestrationModel.calls;
  results.orchestrationModel.waits = model.waits.map((w) => `${w.state} at ${w.at} s: ${w.seconds} s`);

  if (o.local) results.localOverhead = await localOverhead(o, cdk.pipeline);

  const c = results.coldStart.handlers;
  results.targets = [
    target('coldStartNoAws', 'AOT cold start >= 10x faster than JIT (ResolveRun, no AWS)', c.ResolveRun.ratioOfMedians, '>= 10', 'x', c.ResolveRun.ratioOfMedians >= 10),
    target('coldStartMoto', 'AOT cold start >= 5x faster than JIT (CheckInput, moto S3)', c.CheckInput.ratioOfMedians, '>= 5', 'x', c.CheckInput.ratioOfMedians >= 5),
    target('peakRss', 'AOT peak RSS <= 32 MiB over the warm invocations', results.memory.peakRssMiB.aot, '<= 32', 'MiB', results.memory.peakRssMiB.aot <= 32),
    target('zipSize', 'AOT deployment zip <= 8 MB (8,000,000 bytes)', results.size.zipMB, '<= 8', 'MB', results.size.zipBytes <= 8_000_000),
    target('stateTransitions', 'state transitions of the modelled run <= 100', results.orchestrationModel.stateTransitions, '<= 100', '', results.orchestrationModel.status === 'SUCCEEDED' && results.orchestrationModel.stateTransitions <= 100),
    ...(results.localOverhead ? [target('localOverhead', 'local run overhead <= 2 poll intervals', results.localOverhead.overheadSeconds ?? null, `<= ${results.localOverhead.limitSeconds ?? 2 * cdk.pipeline.poll.initialSeconds}`, 's', results.localOverhead.status === 'SUCCEEDED' && results.localOverhead.overheadSeconds <= results.localOverhead.limitSeconds)] : []),
  ];
  results.allTargetsPass = results.targets.every((t) => t.pass);
  machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  results.durationSeconds = round((performance.now() - began) / 1000, 1);
  writeFileSync(o.out, JSON.stringify(results, null, 2) + '\n');

  console.log('');
  console.log(`== bench on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryMiB} MiB, kernel ${machine.kernel}, .NET ${machine.dotnetRuntime}, node ${machine.nodeHarness}`);
  console.log(table(results));
  console.log(`\nresults: ${relative(process.cwd(), o.out) || o.out} (${results.durationSeconds} s)`);
  return results.allTargetsPass ? 0 : 1;
}

/**
 * The synthesized template's definitions and function settings. Without a template (a synth that
 * failed on someone's unfinished edit leaves none), statemachine/pipeline.asl.json with its
 * ${XFunctionArn} placeholders resolved the way the stack resolves them, and cdk.json's settings.
 */
function loadDefinition(cdk) {
  try {
    const stack = loadStack(join(root, 'cdk.out'));
    return { stack, definitionSource: { kind: 'synthesized template', file: relative(root, readdirTemplate(join(root, 'cdk.out'))) } };
  } catch (e) {
    const handlerByArn = {};
    const text = readFileSync(join(root, 'statemachine/pipeline.asl.json'), 'utf8').replace(/\$\{([A-Za-z]+)FunctionArn\}/g, (_, handler) => {
      const arn = `arn:aws:lambda:${REGION}:123456789012:function:${handler}`;
      handlerByArn[arn] = handler;
      return arn;
    });
    return {
      stack: { pipeline: JSON.parse(text), handlerByArn, settings: cdk.pipeline },
      definitionSource: { kind: 'statemachine/pipeline.asl.json (NOT the synthesized template)', file: 'statemachine/pipeline.asl.json', why: e.message },
    };
  }
}

function readdirTemplate(cdkOut) {
  const file = readdirSync(cdkOut).find((f) => f.endsWith('.template.json'));
  if (!file) throw new Error(`no *.template.json in ${cdkOut}`);
  return join(cdkOut, file);
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
