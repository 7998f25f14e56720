// ./pipeline local --date YYYY-MM-DD: the whole pipeline on this machine, no AWS account.
// The synthesized state machine runs on aws-local-stepfunctions; every Task runs the real
// bootstrap; S3, EC2 and DynamoDB are moto; the nodes' commands run here through the local command
// runner (the stand-in for SSM), on real Spark if SPARK_HOME points at one, else on the labelled
// Spark stand-in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStack, REGION } from './lib/stack.mjs';
import { startMoto } from './lib/moto.mjs';
import { clients, createWorld, keysUnder, lockHolder, nodes, uploadDirectory } from './lib/world.mjs';
import { execute } from './lib/execute.mjs';
import { costOf, durationsByState, loadPrices, money } from './lib/report.mjs';

const root = resolve(import.meta.dirname, '..');
const USAGE = `usage: ./pipeline local --date YYYY-MM-DD [--fail-stage NAME] [--no-sample-data] [--input-dir DIR] [--stage-seconds N]

  --date YYYY-MM-DD   the batch date (Airflow's ds) to run
  --fail-stage NAME   make that stage's command fail (fault injection, for demonstration);
                      a stage name or an unambiguous prefix of one, e.g. stage2
  --no-sample-data    do not generate sample input (the run then ends with Pipeline.InputMissing
                      unless --input-dir gives some)
  --input-dir DIR     upload these files as the day's input instead of generated sample data
  --stage-seconds N   let each simulated stage take N seconds (default 0)`;

export class UsageError extends Error {}

export function parseFlags(argv) {
  const flags = { sampleData: true, stageSeconds: 0 };
  const rest = [...argv];
  const value = (flag) => {
    if (rest.length === 0 || rest[0].startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return rest.shift();
  };
  while (rest.length > 0) {
    const flag = rest.shift();
    switch (flag) {
      case '--date': flags.date = value(flag); break;
      case '--fail-stage': flags.failStage = value(flag); break;
      case '--no-sample-data': flags.sampleData = false; break;
      case '--input-dir': flags.inputDir = value(flag); break;
      case '--stage-seconds': flags.stageSeconds = Number(value(flag)); break;
      case '--help': case '-h': throw new UsageError('');
      default: throw new UsageError(`unknown flag ${JSON.stringify(flag)}`);
    }
  }
  if (!flags.date) throw new UsageError('--date is required');
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(flags.date);
  const day = match && new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  if (!match || day.getUTCFullYear() !== +match[1] || day.getUTCMonth() !== +match[2] - 1 || day.getUTCDate() !== +match[3]) {
    throw new UsageError(`--date: expected a real calendar day written YYYY-MM-DD, got ${JSON.stringify(flags.date)}`);
  }
  if (!Number.isFinite(flags.stageSeconds) || flags.stageSeconds < 0 || flags.stageSeconds > 3600) {
    throw new UsageError('--stage-seconds: expected a number of seconds from 0 to 3600');
  }
  if (flags.inputDir && !existsSync(flags.inputDir)) throw new UsageError(`--input-dir: ${flags.inputDir} does not exist`);
  return flags;
}

export function resolveStage(name, stageNames) {
  if (stageNames.includes(name)) return name;
  const matches = stageNames.filter((s) => s.startsWith(name));
  if (matches.length === 1) return matches[0];
  throw new UsageError(`--fail-stage: ${JSON.stringify(name)} ${matches.length ? 'matches several stages' : 'is not a stage'}; stages: ${stageNames.join(', ')}`);
}

function deployment() {
  return JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context.deployment;
}

/** Keeps per-node running time from EC2 states sampled as the run goes. */
class NodeClock {
  constructor() { this.last = null; this.seconds = {}; }
  sample(now, list, types) {
    if (this.last) {
      for (const node of this.last.list) {
        if (node.state === 'running' || node.state === 'pending') {
          const type = types[node.role];
          this.seconds[type] = (this.seconds[type] ?? 0) + (now - this.last.at) / 1000;
        }
      }
    }
    this.last = { at: now, list };
  }
  total() { return Object.values(this.seconds).reduce((a, b) => a + b, 0); }
}

/** What the finished commands printed on their nodes (the stand-in labels each of its lines). */
function printCommandOutput(runDir, commands, log) {
  for (const command of commands ?? []) {
    for (const instanceId of command.instanceIds) {
      const file = join(runDir, 'commands', command.commandId, instanceId, 'stdout');
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) log(`   | ${command.purpose} on ${instanceId}: ${line}`);
    }
  }
}

/** Kills any process a local node left behind (daemons keep pid files under the run directory). */
function leftovers(runDir) {
  const found = [];
  const nodesDir = join(runDir, 'nodes');
  if (!existsSync(nodesDir)) return found;
  for (const node of readdirSync(nodesDir)) {
    const pidDir = join(nodesDir, node, 'run');
    if (!existsSync(pidDir)) continue;
    for (const file of readdirSync(pidDir).filter((f) => f.endsWith('.pid'))) {
      const pid = Number(readFileSync(join(pidDir, file), 'utf8'));
      try { process.kill(pid, 0); found.push({ node, file, pid }); } catch { /* not running */ }
    }
  }
  return found;
}

async function main() {
  const checkOnly = process.argv[2] === '--check-flags';
  let flags;
  try {
    flags = parseFlags(process.argv.slice(checkOnly ? 3 : 2));
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}`);
      console.error(USAGE);
      process.exit(2);
    }
    throw e;
  }
  if (checkOnly) return 0;

  const bootstrap = join(root, 'artifacts/functions/bootstrap');
  const stack = loadStack(join(root, 'cdk.out'));
  const stageNames = stack.settings.stages.map((s) => s.name);
  let failStage;
  try {
    failStage = flags.failStage && resolveStage(flags.failStage, stageNames);
  } catch (e) {
    console.error(`error: ${e.message}`);
    process.exit(2);
  }

  // The real ResolveRun decides whether the date is acceptable (range, calendar), before anything starts.
  const check = spawnSync(bootstrap, ['invoke', 'ResolveRun', JSON.stringify({ date: flags.date })], { encoding: 'utf8', env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(stack.settings) } });
  if (check.status !== 0) {
    const error = JSON.parse(check.stderr.trim().split('\n').at(-1));
    console.error(`error: ${error.errorType}: ${error.errorMessage}`);
    process.exit(2);
  }

  // Paths that reach node scripts must pass the settings' strict path rule (no spaces, no dots
  // leading a segment), whatever the clone's own path is: the run lives under the temp directory
  // and reaches Spark through a link.
  const runDir = mkdtempSync(join(tmpdir(), `pipeline-local-${flags.date}-`));
  const sparkHome = process.env.SPARK_HOME;
  const realSpark = !!sparkHome && existsSync(join(sparkHome, 'sbin', 'start-master.sh'));
  symlinkSync(realSpark ? resolve(sparkHome) : join(root, 'local/spark-standin'), join(runDir, 'spark'));
  const settings = {
    ...stack.settings,
    sparkHome: join(runDir, 'spark'),
    codeDirectory: join(runDir, 'code'),
    lockDirectory: join(runDir, 'locks'),
  };
  mkdirSync(settings.lockDirectory, { recursive: true });
  const deploy = deployment();
  const types = { master: deploy.masterInstanceType, worker: deploy.workerInstanceType };
  const prices = loadPrices(join(root, 'local/prices.json'));

  let moto;
  const stopEverything = async () => {
    for (const left of leftovers(runDir)) {
      try { process.kill(left.pid, 'SIGTERM'); } catch { /* gone */ }
    }
    await moto?.stop();
  };
  process.on('SIGINT', async () => {
    console.log('\ninterrupted: stopping the local AWS and every local node process');
    await stopEverything();
    process.exit(130);
  });

  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  const log = (line) => console.log(`${elapsed()}  ${line}`);
  try {
    moto = await startMoto();
    const aws = clients(moto.endpoint);
    log(`local AWS (moto) at ${moto.endpoint}; run directory ${runDir}`);
    log(realSpark ? `Spark: real installation at ${sparkHome}` : 'Spark: the stand-in (SPARK_HOME not set): stage work is simulated, every line it prints says so');
    const made = await createWorld(aws, settings, { date: flags.date, inputFiles: 0 });
    const code = await uploadDirectory(aws, settings.bucket, settings.codePrefix, join(root, 'jobs'), (p) => /\.(py|csv)$/.test(p) && !p.includes('/tests/'));
    log(`created bucket ${settings.bucket}, lock table ${settings.lockTable}, ${made.ids.length} stopped nodes; uploaded ${code.length} code files to ${settings.codePrefix}`);
    if (flags.inputDir) {
      const keys = await uploadDirectory(aws, settings.bucket, made.inputPrefix, flags.inputDir);
      log(`uploaded ${keys.length} input files from ${flags.inputDir} to ${made.inputPrefix}`);
    } else if (flags.sampleData) {
      const sampleDir = mkdtempSync(join(tmpdir(), 'sample-'));
      const generated = spawnSync('python3', [join(root, 'jobs/sample_data.py'), '--batch-date', flags.date, '--out', sampleDir], { encoding: 'utf8' });
      if (generated.status !== 0) throw new Error(`sample data generation failed: ${generated.stderr}`);
      const keys = await uploadDirectory(aws, settings.bucket, made.inputPrefix, sampleDir);
      rmSync(sampleDir, { recursive: true, force: true });
      log(`sample input: ${generated.stdout.trim()} -> ${keys.length} files under ${made.inputPrefix}`);
    } else {
      log('no sample input (--no-sample-data)');
    }

    const faultsFile = join(runDir, 'faults.json');
    writeFileSync(faultsFile, JSON.stringify(failStage
      ? { commands: [{ commentContains: `${failStage} ${flags.date}`, status: 'Failed', exitCode: 1, stderr: `${failStage} failed: injected by --fail-stage` }] }
      : {}));
    if (failStage) log(`fault injected: the ${failStage} command will fail (--fail-stage)`);

    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? tmpdir(),
      USER: process.env.USER ?? 'pipeline',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      PIPELINE_SETTINGS: JSON.stringify(settings),
      PIPELINE_LOCAL_EMULATOR: 'local',
      PIPELINE_LOCAL_DIR: runDir,
      PIPELINE_NODE_PROLOGUE: join(root, 'local/node-prologue.sh'),
      PIPELINE_FAULTS_FILE: faultsFile,
      SPARK_STANDIN_SECONDS: String(flags.stageSeconds),
      ...(realSpark ? { SPARK_HOME: sparkHome } : { SPARK_STANDIN: join(root, 'local/spark-standin/standin.py') }),
    };

    const clock = new NodeClock();
    clock.sample(Date.now(), await nodes(aws, settings), types);
    const name = `${flags.date}-local-${Date.now()}`;
    const onEvent = async (event) => {
      const state = event.state?.name;
      if (event.type === 'StateEntered') log(`-> ${state}`);
      if (event.type === 'StateRetried') log(`   ${state} retried (attempt ${event.retry.attempt})`);
      if (event.type === 'StateFailed') log(event.state.type === 'Fail' ? `   the run ends FAILED with ${event.Error}` : `   ${state} failed: ${event.Error}`);
      if (event.type !== 'StateExited' || event.state.type !== 'Task') return;
      const list = await nodes(aws, settings);
      clock.sample(Date.now(), list, types);
      const output = event.state.output ?? {};
      let detail = '';
      if (state.endsWith('Status') && output.command) detail = `command ${output.command.status ?? 'sent'}`;
      if (state === 'ClusterStatus') detail = `ready=${output.cluster?.ready}`;
      if (state === 'VerifyOutput') detail = `${output.verified?.objectCount} data object(s) in s3://${settings.bucket}/${output.verified?.prefix}`;
      if (state === 'CheckInput') detail = `${output.input?.objectCount} input object(s)`;
      log(`<- ${state}${detail ? `: ${detail}` : ''}   nodes: ${list.map((n) => `${n.role}=${n.state}`).join(' ')}`);
      if (state.endsWith('Status') && output.command?.done) printCommandOutput(runDir, output.command.commands, log);
    };
    // Waits are shortened through the interpreter's overrides; the definition is not edited.
    const run = await execute(stack.pipeline, { date: flags.date }, { stack, bootstrap, env, name, waitMs: 200, onEvent });
    clock.sample(Date.now(), await nodes(aws, settings), types);

    const finalNodes = await nodes(aws, settings);
    const holder = await lockHolder(aws, settings);
    const outputs = {};
    for (const stage of stack.settings.stages) {
      const prefix = stage.outputPrefix.replaceAll('{ds}', flags.date).replaceAll('{ds_nodash}', flags.date.replaceAll('-', ''));
      outputs[stage.name] = { prefix, objects: (await keysUnder(aws, settings, prefix)).length };
    }
    const left = leftovers(runDir);
    const cost = costOf({ transitions: run.entered.length, invocationMs: run.invocations.map((i) => i.ms), nodeSeconds: clock.seconds, memoryMiB: deploy.functionMemoryMiB }, prices);
    const report = {
      date: flags.date, status: run.status, error: run.error, seconds: run.seconds,
      stateTransitions: run.entered.length, lambdaInvocations: run.invocations.length,
      durations: Object.fromEntries(durationsByState(run.events)),
      nodeSeconds: clock.seconds, nodes: finalNodes, lockHolder: holder, outputs,
      processesLeftRunning: left.length, spark: realSpark ? 'real' : 'stand-in (simulated)',
      costUsd: cost, prices: prices.note,
    };
    writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));

    console.log(`\n== run report ${name}`);
    console.log(`status:             ${run.status}${run.error ? `  ${run.error.name}: ${run.error.cause}` : ''}`);
    console.log(`duration:           ${run.seconds.toFixed(1)} s (Spark ${report.spark})`);
    console.log(`state transitions:  ${run.entered.length}`);
    console.log(`Lambda invocations: ${run.invocations.length} (${cost.gbSeconds.toFixed(3)} GB-s at ${deploy.functionMemoryMiB} MiB)`);
    console.log(`node-seconds:       ${clock.total().toFixed(1)} (${Object.entries(clock.seconds).map(([t, s]) => `${t} ${s.toFixed(1)} s`).join(', ')})`);
    console.log('time per state:');
    for (const [state, seconds] of [...durationsByState(run.events)].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${state.padEnd(22)} ${seconds.toFixed(2).padStart(8)} s`);
    }
    console.log('stage outputs:');
    for (const [stage, out] of Object.entries(outputs)) console.log(`  ${stage.padEnd(28)} ${out.objects} object(s) in s3://${settings.bucket}/${out.prefix}`);
    console.log(`nodes at the end:   ${finalNodes.map((n) => `${n.role} ${n.id} ${n.state}`).join('; ')}`);
    console.log(`lock:               ${holder ? `held by ${holder}` : 'free'}`);
    console.log(`local processes left running: ${left.length}`);
    console.log(`cost of this run in AWS (list prices, ${prices.region}): ${money(cost.total)} = Step Functions ${money(cost.stepFunctions)} + Lambda ${money(cost.lambda)} + EC2 ${money(cost.ec2)}`);
    console.log(`always-on Airflow server it replaces: ${money(cost.airflowPerDay)} per day (${money(prices.airflowServer.perMonth)} per month)`);
    console.log(`report: ${join(runDir, 'report.json')}`);
    if (run.status !== 'SUCCEEDED') {
      console.log(`\nFAILED: ${run.error?.name ?? run.status}`);
    }
    return run.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await stopEverything();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
}
