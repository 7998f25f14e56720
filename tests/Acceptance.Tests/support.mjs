// What every acceptance file shares: the synthesized stack, one moto server for the file (reset
// before each test), a scratch folder for fault plans, and the environment a task runs with.
import { before, after, beforeEach } from 'node:test';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStack, REGION } from '../../local/lib/stack.mjs';
import { startMoto } from '../../local/lib/moto.mjs';
import { clients, simulateStageOutput } from '../../local/lib/world.mjs';

export const root = resolve(import.meta.dirname, '../..');
export const bootstrap = join(root, 'artifacts/functions/bootstrap');

/**
 * Registers the file's hooks; the returned object's stack, moto and aws are set once its `before`
 * ran, and handed to `ready` then (node:test does not wait for one top-level hook before the next).
 */
export function acceptanceSuite(name, ready = () => {}) {
  const suite = { stack: null, moto: null, aws: null, scratch: null };
  let faultPlans = 0;
  before(async () => {
    suite.stack = loadStack(process.env.ACCEPTANCE_CDK_OUT ?? join(root, 'cdk.out'));
    suite.moto = await startMoto();
    suite.aws = clients(suite.moto.endpoint);
    suite.scratch = mkdtempSync(join(tmpdir(), `${name}-`));
    ready(suite);
  });
  after(async () => {
    await suite.moto?.stop();
    if (suite.scratch) rmSync(suite.scratch, { recursive: true, force: true });
  });
  beforeEach(async () => { await suite.moto.reset(); });

  /** A task's environment against moto, with its own fault plan (PIPELINE_FAULTS_FILE) and any extra variables. */
  suite.environment = (settings, faults = {}, extra = {}) => {
    const faultsFile = join(suite.scratch, `faults-${++faultPlans}.json`);
    writeFileSync(faultsFile, JSON.stringify(faults));
    return {
      PATH: process.env.PATH, AWS_ENDPOINT_URL: suite.moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION,
      PIPELINE_SETTINGS: JSON.stringify(settings), PIPELINE_LOCAL_EMULATOR: 'moto', PIPELINE_FAULTS_FILE: faultsFile, ...extra,
    };
  };

  /** execute() options that stand in for Spark: each submitted stage leaves its output (simulated). */
  suite.options = (settings, env, extra = {}) => ({
    stack: suite.stack, bootstrap, env,
    afterTask: async (_state, handler, output) => {
      if (handler === 'SubmitStage') await simulateStageOutput(suite.aws, settings, output.commands[0].commandId);
    },
    ...extra,
  });
  return suite;
}
