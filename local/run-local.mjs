// ./pipeline local --date YYYY-MM-DD: the whole pipeline on this machine, no AWS account.
// The synthesized state machine runs on aws-local-stepfunctions; every Task runs the real
// bootstrap; S3, EC2 and DynamoDB are moto; the nodes' commands run here through the local command
// runner (the stand-in for SSM), on real Spark if SPARK_HOME points at one, else on the labelled
// Spark stand-in.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStack, REGION } from './lib/stack.mjs';
import { startMoto } from './lib/moto.mjs';
import { clients, createWorld, expand, getText, keysUnder, lockHolder, nodes, uploadDirectory } from './lib/world.mjs';
import { execute, startExecutionSync } from './lib/execute.mjs';
import { costOf, durationsByState, loadPrices, money } from './lib/report.mjs';

const root = resolve(import.meta.dirname, '..');
const USAGE = `usage: ./pipeline local --date YYYY-MM-DD [--fail-stage NAME] [--no-sample-data] [--input-dir DIR] [--stage-seconds N]
       ./pipeline backfill --from YYYY-MM-DD --to YYYY-MM-DD [--mode missing|failed|all] [--fail-stage NAME [--fail-date D]] [--no-sample-data]

  --date YYYY-MM-DD   the batch date (Airflow's ds) to run
  --fail-stage NAME   make that stage's command fail (fault injection, for demonstration);
                      a stage name or an unambiguous prefix of one, e.g. stage2
  --no-sample-data    do not generate sample input (the run then ends with Pipeline.InputMissing
                      unless --input-dir gives some)
  --input-dir DIR     upload these files as the day's input instead of generated sample data
  --stage-seconds N   let each simulated stage take N seconds (default 0)
  --from, --to        (backfill) the first and last batch date, oldest first, at most 92 days
  --mode MODE         (backfill) missing (default): dates whose last stage output is incomplete;
                      failed: dates whose latest run failed; all: every date
  --fail-date D       (backfill) inject --fail-stage only on this date`;

export class UsageError extends Error {}

function checkDate(flag, text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const day = match && new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  if (!match || day.getUTCFullYear() !== +match[1] || day.getUTCMonth() !== +match[2] - 1 || day.getUTCDate() !== +match[3]) {
    throw new UsageError(`${flag}: expected a real calendar day written YYYY-MM-DD, got ${JSON.stringify(text)}`);
  }
}

export function parseFlags(argv) {
  const flags = { sampleData: true, stageSeconds: 0 };
  const rest = [...argv];
  if (rest[0] === 'backfill') {
    rest.shift();
    flags.backfill = true;
  }
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
      case '--from': if (!flags.backfill) throw new UsageError('--from belongs to ./pipeline backfill'); flags.from = value(flag); break;
      case '--to': if (!flags.backfill) throw new UsageError('--to belongs to ./pipeline backfill'); flags.to = value(flag); break;
      case '--mode': if (!flags.backfill) throw new UsageError('--mode belongs to ./pipeline backfill'); flags.mode = value(flag); break;
      case '--fail-date': if (!flags.backfill) throw new UsageError('--fail-date belongs to ./pipeline backfill'); flags.failDate = value(flag); break;
      case '--help': case '-h': throw new UsageError('');
      default: throw new UsageError(`unknown flag ${JSON.stringify(flag)}`);
    }
  }
  if (flags.backfill) {
    if (flags.date) throw new UsageError('--date belongs to ./pipeline local; a backfill takes --from and --to');
    if (!flags.from || !flags.to) throw new UsageError(`${flags.from ? '--to' : '--from'} is required`);
    checkDate('--from', flags.from);
    checkDate('--to', flags.to);
    if (flags.to < flags.from) throw new UsageError(`--to: ${flags.to} is before --from ${flags.from}`);
    if (flags.mode !== undefined && !['missing', 'failed', 'all'].includes(flags.mode)) throw new UsageError(`--mode: expected missing, failed or all, got ${JSON.stringify(flags.mode)}`);
    if (flags.failDate !== undefined) checkDate('--fail-date', flags.failDate);
    if (flags.inputDir) throw new UsageError('--input-dir: a backfill generates sample input per date');
  } else {
    if (!flags.date) throw new UsageError('--date is required');
    checkDate('--date', flags.date);
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

/** The child's error name from a States.TaskFailed cause (the child's description, as JSON). */
function childError(cause) {
  try { return JSON.parse(cause).Error ?? cause; } catch { return cause; }
}

function daysBetween(from, to) {
  const days = [];
  for (let day = new Date(`${from}T00:00:00Z`); day <= new Date(`${to}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
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

  const dates = flags.backfill ? daysBetween(flags.from, flags.to) : [flags.date];
  if (flags.backfill && !stack.backfill) {
    console.error('error: the synthesized template has no backfill state machine; run ./pipeline synth');
    process.exit(2);
  }

  // The real handler decides whether the dates are acceptable (range, calendar), before anything starts.
  const check = flags.backfill
    ? spawnSync(bootstrap, ['invoke', 'PlanBackfill', JSON.stringify({ from: flags.from, to: flags.to, mode: 'all' })], { encoding: 'utf8', env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(stack.settings), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } })
    : spawnSync(bootstrap, ['invoke', 'ResolveRun', JSON.stringify({ date: flags.date })], { encoding: 'utf8', env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(stack.settings) } });
  if (check.status !== 0) {
    const error = JSON.parse(check.stderr.trim().split('\n').at(-1));
    console.error(`error: ${error.errorType}: ${error.errorMessage}`);
    process.exit(2);
  }

  // Paths that reach node scripts must pass the settings' strict path rule (no spaces, no dots
  // leading a segment), whatever the clone's own path is: the run lives under the temp directory
  // and reaches Spark through a link.
  const runDir = mkdtempSync(join(tmpdir(), `pipeline-local-${dates[0]}-`));
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
    const made = await createWorld(aws, settings, { date: dates[0], inputFiles: 0 });
    const code = await uploadDirectory(aws, settings.bucket, settings.codePrefix, join(root, 'jobs'), (p) => /\.(py|csv)$/.test(p) && !p.includes('/tests/'));
    log(`created bucket ${settings.bucket}, lock table ${settings.lockTable}, ${made.ids.length} stopped nodes; uploaded ${code.length} code files to ${settings.codePrefix}`);
    if (!realSpark) {
      // What a node's set-up and boot script leave in spark-defaults.conf: authentication on, and the
      // one secret Secrets Manager generated for the cluster (here: this run's own random one).
      const secret = randomBytes(32).toString('hex');
      for (const id of made.ids) {
        mkdirSync(join(runDir, 'nodes', id, 'conf'), { recursive: true });
        writeFileSync(join(runDir, 'nodes', id, 'conf', 'spark-defaults.conf'), `spark.authenticate true\nspark.authenticate.secret ${secret}\n`, { mode: 0o640 });
      }
    }
    if (flags.inputDir) {
      const keys = await uploadDirectory(aws, settings.bucket, made.inputPrefix, flags.inputDir);
      log(`uploaded ${keys.length} input files from ${flags.inputDir} to ${made.inputPrefix}`);
    } else if (flags.sampleData) {
      for (const day of dates) {
        const sampleDir = mkdtempSync(join(tmpdir(), 'sample-'));
        const generated = spawnSync('python3', [join(root, 'jobs/sample_data.py'), '--batch-date', day, '--out', sampleDir], { encoding: 'utf8' });
        if (generated.status !== 0) throw new Error(`sample data generation failed: ${generated.stderr}`);
        const inputPrefix = expand(settings.inputPrefix, day, settings.bucket);
        const keys = await uploadDirectory(aws, settings.bucket, inputPrefix, sampleDir);
        rmSync(sampleDir, { recursive: true, force: true });
        log(`sample input: ${generated.stdout.trim()} -> ${keys.length} files under ${inputPrefix}`);
      }
    } else {
      log('no sample input (--no-sample-data)');
    }

    const faultsFile = join(runDir, 'faults.json');
    const failDates = flags.failDate ? [flags.failDate] : dates;
    writeFileSync(faultsFile, JSON.stringify(failStage
      ? { commands: failDates.map((day) => ({ commentContains: `${failStage} ${day}`, status: 'Failed', exitCode: 1, stderr: `${failStage} failed: injected by --fail-stage` })) }
      : {}));
    if (failStage) log(`fault injected: the ${failStage} command will fail on ${failDates.join(', ')} (--fail-stage)`);

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
    const name = flags.backfill ? `backfill-${flags.from}-${flags.to}-${Date.now()}` : `${flags.date}-local-${Date.now()}`;
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
    const common = { stack, bootstrap, env, waitMs: 200, onEvent };
    const children = [];
    const run = flags.backfill
      ? await execute(stack.backfill, { from: flags.from, to: flags.to, ...(flags.mode ? { mode: flags.mode } : {}) }, {
        ...common, name,
        serviceTasks: {
          RunPipeline: startExecutionSync(common, (child, result) => {
            children.push({ name: child, status: result.status, error: result.error?.name, seconds: result.seconds, transitions: result.entered.length, invocations: result.invocations });
            log(`== child execution ${child}: ${result.status}${result.error ? ` ${result.error.name}` : ''}`);
          }),
        },
      })
      : await execute(stack.pipeline, { date: flags.date }, { ...common, name });
    const allInvocations = [...run.invocations, ...children.flatMap((c) => c.invocations)];
    const allTransitions = run.entered.length + children.reduce((sum, c) => sum + c.transitions, 0);
    clock.sample(Date.now(), await nodes(aws, settings), types);

    const finalNodes = await nodes(aws, settings);
    const holder = await lockHolder(aws, settings);
    const outputs = {};
    for (const day of dates) {
      for (const stage of stack.settings.stages) {
        const prefix = expand(stage.outputPrefix, day, settings.bucket);
        outputs[dates.length > 1 ? `${day} ${stage.name}` : stage.name] = { prefix, objects: (await keysUnder(aws, settings, prefix)).length };
      }
    }
    const records = [];
    for (const day of dates) records.push(...(await keysUnder(aws, settings, `runs/dt=${day}/`)));
    const left = leftovers(runDir);
    const cost = costOf({ transitions: allTransitions, invocationMs: allInvocations.map((i) => i.ms), nodeSeconds: clock.seconds, memoryMiB: deploy.functionMemoryMiB }, prices);
    const summary = run.events.find((e) => e.type === 'StateExited' && e.state.name === 'Summarize')?.state.output;
    const report = {
      date: flags.date, from: flags.from, to: flags.to, status: run.status, error: run.error, seconds: run.seconds,
      stateTransitions: allTransitions, lambdaInvocations: allInvocations.length,
      backfill: summary ? summary.results : undefined, runRecords: records,
      durations: Object.fromEntries(durationsByState(run.events)),
      nodeSeconds: clock.seconds, nodes: finalNodes, lockHolder: holder, outputs,
      processesLeftRunning: left.length, spark: realSpark ? 'real' : 'stand-in (simulated)',
      costUsd: cost, prices: prices.note,
    };
    writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));

    console.log(`\n== run report ${name}`);
    console.log(`status:             ${run.status}${run.error ? `  ${run.error.name}: ${run.error.cause}` : ''}`);
    console.log(`duration:           ${run.seconds.toFixed(1)} s (Spark ${report.spark})`);
    if (summary) {
      console.log('per date:');
      for (const result of summary.results) console.log(`  ${result.date}  ${result.status.padEnd(9)} ${result.execution ?? ''} ${result.reason ?? ''}${result.cause ? childError(result.cause) : ''}`);
    }
    console.log(`state transitions:  ${allTransitions}`);
    console.log(`Lambda invocations: ${allInvocations.length} (${cost.gbSeconds.toFixed(3)} GB-s at ${deploy.functionMemoryMiB} MiB)`);
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
    for (const key of records) {
      // The same record a deployed run writes; shown as the pipeline wrote it.
      const record = JSON.parse(await getText(aws, settings.bucket, key));
      console.log(`run record:         s3://${settings.bucket}/${key}`);
      console.log(`                    ${record.runId}: ${record.status}${record.error ? ` ${record.error.Error}` : ''}, ${record.durationSeconds} s, cluster ${record.clusterSeconds} s (est. $${record.estimatedClusterCostUsd}), stages ${record.stages.map((st) => `${st.name}=${st.complete ? 'complete' : 'incomplete'}`).join(' ')}`);
    }
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
