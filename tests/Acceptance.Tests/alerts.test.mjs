// The alert state machine as synthesized, on aws-local-stepfunctions: the real FormatAlert (bootstrap),
// the history read and the SNS publish stood in for. One status-change event gives exactly one message,
// also when the history cannot be read or the formatting fails.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadStack, REGION, ACCOUNT } from '../../local/lib/stack.mjs';
import { execute } from '../../local/lib/execute.mjs';

const root = resolve(import.meta.dirname, '../..');
const bootstrap = join(root, 'artifacts/functions/bootstrap');
const cdkOut = process.env.ACCEPTANCE_CDK_OUT ?? join(root, 'cdk.out');
const samples = join(root, 'tests/Functions.Tests/Handlers/AlertSamples');

let stack;
let definition;
let topicArn;

before(() => {
  if (!existsSync(bootstrap)) throw new Error(`${bootstrap} is missing: run ./pipeline publish first`);
  stack = loadStack(cdkOut);
  const template = JSON.parse(readFileSync(join(cdkOut, readdirSync(cdkOut).find((f) => f.endsWith('.template.json'))), 'utf8'));
  const [id] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === `${stack.settings.clusterName}-alerts`);
  definition = stack.machineByArn(`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`);
  const [, topic] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic');
  topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${topic.Properties.TopicName}`;
});

function named(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

async function alert(sampleName, { history = 'sample', lambdaFaults = {} } = {}) {
  const sample = JSON.parse(readFileSync(join(samples, `${sampleName}.json`), 'utf8'));
  const { history: recorded, historyError, ...event } = sample;
  const published = [];
  const publish = (state) => async (input) => { published.push({ state, ...input }); return { MessageId: `m-${published.length}` }; };
  const historyCalls = [];
  const run = await execute(definition, event, {
    stack, bootstrap, name: `alert-${sampleName}`, lambdaFaults,
    env: { PATH: process.env.PATH, PIPELINE_SETTINGS: JSON.stringify(stack.settings) },
    serviceTasks: {
      ReadHistory: async (input) => {
        historyCalls.push(input);
        if (history === 'denied') throw named('Sfn.AccessDeniedException', 'not authorized to perform states:GetExecutionHistory');
        return { Events: recorded?.events ?? [] };
      },
      Publish: publish('Publish'),
      PublishPlain: publish('PublishPlain'),
    },
  });
  return { run, published, historyCalls, event };
}

test('a failed run: the history of that execution is read and one formatted message goes to the alert topic', async () => {
  const { run, published, historyCalls, event } = await alert('pipeline-failed');

  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  const [read] = historyCalls;
  assert.equal(historyCalls.length, 1);
  assert.deepEqual([read.ExecutionArn, read.ReverseOrder, read.IncludeExecutionData], [event.detail.executionArn, true, false]);
  // The newest events, without their data: the page must stay far below the 256 KB state limit.
  assert.ok(read.MaxResults <= 100, `MaxResults ${read.MaxResults}`);
  assert.equal(published.length, 1);
  assert.equal(published[0].state, 'Publish');
  assert.equal(published[0].TopicArn, topicArn);
  assert.equal(published[0].Subject, '[pothole-spark] run FAILED 2026-02-12: Pipeline.CommandFailed in StageStatus');
  assert.match(published[0].Message, /^Pipeline: pothole-spark \(pothole-spark-pipeline\)\nBatch date: 2026-02-12\n/);
});

test('history not readable: still one formatted message, saying why the failed state is unknown', async () => {
  const { run, published } = await alert('cleanup-failed', { history: 'denied' });

  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  assert.equal(published.length, 1);
  assert.equal(published[0].Subject, '[pothole-spark] cleanup FAILED 2026-02-12: Aws.UnauthorizedOperation');
  assert.match(published[0].Message, /Failed state: unknown \(the execution history could not be read\)/);
  assert.match(published[0].Message, /History not read: Sfn\.AccessDeniedException/);
});

test('formatting fails: one plain message still names the execution, its status and error', async () => {
  const { run, published, event } = await alert('backfill-failed', { lambdaFaults: { Format: { error: 'Pipeline.InvalidInput', times: 10 } } });

  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
  assert.equal(published.length, 1);
  assert.equal(published[0].state, 'PublishPlain');
  assert.ok(published[0].Message.includes(event.detail.name) && published[0].Message.includes('FAILED') && published[0].Message.includes('Pipeline.BackfillIncomplete'), published[0].Message);
});
