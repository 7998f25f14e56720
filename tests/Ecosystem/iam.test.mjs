// IAM evaluation (@cloud-copilot/iam-simulate) of the AWS requests the functions really made during the
// acceptance runs, recorded on their way to moto (local/lib/aws-recorder.mjs), against each function's
// synthesized role, with the resource ARN and the request context AWS would use. The request list comes
// from the recording, so a new AWS call in a handler is checked without anyone listing it. Then requests
// that must be denied, and negative controls (without the statement that allowed it, a request is denied).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { resolve as resolvePath, join } from 'node:path';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { loadTemplate, REGION, ACCOUNT, arnOf } from './lib/template.mjs';
import { resolve, roleOfFunction, roleOfMachine, policiesOfRole, bucketPolicy, stackInstances } from './lib/policies.mjs';
import { iamRequests, documentArn } from './lib/requests.mjs';
import { summary, versionOf } from './lib/summary.mjs';
import { settingsHash } from '../../local/lib/settings-hash.mjs';

const root = resolvePath(import.meta.dirname, '../..');
const template = loadTemplate(process.env.ECOSYSTEM_CDK_OUT ?? join(root, 'cdk.out'));
const logFile = process.env.PIPELINE_AWS_REQUEST_LOG ?? join(root, 'artifacts/aws-requests.jsonl');

const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.PIPELINE_SETTINGS);
const settingsJson = functions[0].Properties.Environment.Variables.PIPELINE_SETTINGS;
const settings = JSON.parse(settingsJson);
const synthesizedHash = settingsHash(settingsJson);
const handlers = functions.map((f) => f.Properties.Handler);
const bucketArn = `arn:aws:s3:::${settings.bucket}`;
const dataBucketPolicy = bucketPolicy(template, settings.bucket);
const instances = stackInstances(template);

const counts = { recorded: 0, functionRequests: 0, otherSettings: 0, unattributed: 0, emulator: 0, unvalidated: 0 };
let checked = [];

/** The stack instance a recorded instance stands for: same cluster tag and role (the acceptance world builds the stack's nodes so). */
function bindingFor(request) {
  if (!request.instanceId || !request.tags) return {};
  const { SparkCluster: cluster, SparkRole: role } = request.tags;
  const match = instances.find((i) => i.tags.SparkCluster === cluster && i.tags.SparkRole === role);
  return match ? { [match.logicalId]: request.instanceId } : {};
}

async function decide(roleId, request, { without = null, binding = bindingFor(request) } = {}) {
  const identityPolicies = policiesOfRole(template, roleId).map((p) => {
    const document = resolve(template, p.document, binding);
    const statements = [document.Statement].flat().filter((s) => !(without && without.policy === p.name && s.Sid === without.sid));
    return { name: p.name, policy: { ...document, Statement: statements } };
  });
  const simulation = {
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT },
      contextVariables: request.context,
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.action.startsWith('s3:') ? dataBucketPolicy : undefined,
  };
  // An AWS-owned SSM document's ARN has no account (arn:aws:ssm:REGION::document/AWS-RunShellScript, as
  // Systems Manager documents it); the validating engine's resource patterns require one and refuse
  // it, so these requests go to the same evaluator without that validation.
  if (/^arn:aws:ssm:[^:]*::document\//.test(request.resource)) {
    counts.unvalidated += 1;
    return { decision: runUnsafeSimulation(simulation, {}) };
  }
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') return { decision: 'Error', detail: JSON.stringify(response.errors).slice(0, 600) };
  return { decision: response.overallResult };
}

const describe = (r) => `${r.handler ?? r.role}: ${r.action} on ${r.resource}${Object.keys(r.context).length > 1 ? ' ' + JSON.stringify(r.context) : ''}`;

before(() => {
  assert.ok(existsSync(logFile), `${logFile} is missing: the acceptance suite records it when PIPELINE_AWS_REQUEST_LOG is set (./pipeline test does)`);
  const unique = new Map();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line);
    counts.recorded += 1;
    if (record.emulator) { counts.emulator += 1; continue; }
    if (!record.handler) { counts.unattributed += 1; continue; }
    if (record.settingsHash !== synthesizedHash) { counts.otherSettings += 1; continue; }
    counts.functionRequests += 1;
    for (const r of iamRequests(record)) {
      const request = { handler: record.handler, ...r };
      unique.set(JSON.stringify([request.handler, request.action, request.resource, request.context, request.tags ?? null]), request);
    }
  }
  checked = [...unique.values()];
});

test('every AWS request a function made in the acceptance runs is allowed by that function\'s synthesized role', async () => {
  assert.ok(checked.length > 0, 'no function request was recorded: the check would prove nothing');
  const findings = [];
  for (const request of checked) {
    const roleId = roleOfFunction(template, request.handler);
    if (!roleId) { findings.push(`${describe(request)}: no function of the template runs ${request.handler}`); continue; }
    if (request.action.includes('unmapped')) { findings.push(`${describe(request)}: the check cannot map this wire request to an IAM action`); continue; }
    const { decision, detail } = await decide(roleId, request);
    if (decision !== 'Allowed') findings.push(`${describe(request)}: ${decision}${detail ? ' ' + detail : ''}`);
  }
  const seen = new Set(checked.map((r) => r.handler));
  summary('@cloud-copilot/iam-simulate', versionOf('@cloud-copilot/iam-simulate'),
    `${checked.length} distinct IAM requests from ${counts.functionRequests} recorded calls of ${seen.size} functions (${[...seen].sort().join(', ')})`,
    findings.length,
    `skipped: ${counts.emulator} emulator-only, ${counts.otherSettings} under other settings, ${counts.unattributed} from direct bootstrap runs`);
  assert.deepEqual(findings, []);
});

/** Requests no function may make, each built from the stack's own names (instances, prefixes, tables, machines). */
function mustBeDenied() {
  const denied = [];
  const day = '2026-02-12';
  const expand = (t) => t.replaceAll('{ds}', day).replaceAll('{ds_nodash}', day.replaceAll('-', '')).replaceAll('{bucket}', settings.bucket);
  const tls = { 'aws:SecureTransport': 'true' };
  const protectedPrefixes = [expand(settings.inputPrefix), settings.codePrefix, ...settings.stages.filter((s) => s.outputPrefix).map((s) => expand(s.outputPrefix))];
  for (const handler of handlers) {
    for (const prefix of protectedPrefixes) {
      for (const action of ['s3:PutObject', 's3:DeleteObject']) denied.push({ handler, why: 'no function writes input, code or stage outputs', action, resource: `${bucketArn}/${prefix}part-00000.parquet`, context: tls });
    }
    for (const machine of Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')) {
      denied.push({ handler, why: 'no function starts a state machine', action: 'states:StartExecution', resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machine.Properties.StateMachineName}`, context: tls });
    }
    denied.push({ handler, why: 'another table', action: 'dynamodb:PutItem', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/another-table`, context: tls });
    denied.push({ handler, why: 'another table', action: 'dynamodb:UpdateItem', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/another-table`, context: tls });
  }
  // Mutations of what the functions really did: the same call on an instance that is not this cluster's.
  for (const request of checked.filter((r) => r.instanceId)) {
    const base = { handler: request.handler, action: request.action, resource: request.resource };
    const prefixes = request.action.startsWith('ssm:') ? ['aws:ResourceTag/', 'ssm:resourceTag/'] : ['aws:ResourceTag/', 'ec2:ResourceTag/'];
    const tagged = (tags) => ({ ...tls, ...Object.fromEntries(Object.entries(tags).flatMap(([k, v]) => prefixes.map((p) => [p + k, v]))) });
    denied.push({ ...base, why: 'an untagged instance', context: tagged({}), binding: {} });
    denied.push({ ...base, why: 'another cluster\'s instance', context: tagged({ SparkCluster: 'another-cluster', SparkRole: request.tags.SparkRole ?? 'master' }), binding: {} });
    denied.push({ ...base, why: 'an instance outside the stack carrying this cluster\'s master tags', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0ffffffffffffffff`, context: tagged({ SparkCluster: settings.clusterName, SparkRole: 'master' }), binding: {} });
  }
  for (const handler of new Set(checked.filter((r) => r.action === 'ssm:SendCommand').map((r) => r.handler))) {
    for (const name of ['AWS-RunPowerShellScript', 'AWS-RunRemoteScript', 'AWS-ApplyPatchBaseline', 'OurOwnDocument']) {
      denied.push({ handler, why: 'only AWS-RunShellScript', action: 'ssm:SendCommand', resource: documentArn(name), context: tls });
    }
  }
  for (const handler of new Set(checked.filter((r) => r.action === 'ec2:StartInstances' || r.action === 'ec2:StopInstances').map((r) => r.handler))) {
    const did = new Set(checked.filter((r) => r.handler === handler).map((r) => r.action));
    for (const action of ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances']) {
      if (did.has(action)) continue;
      const sample = checked.find((r) => r.handler === handler && r.instanceId);
      denied.push({ handler, why: `${handler} never needs ${action}`, action, resource: sample.resource, context: sample.context, binding: bindingFor(sample) });
    }
  }
  for (const handler of new Set(checked.filter((r) => r.action === 's3:ListBucket').map((r) => r.handler))) {
    for (const prefix of ['', settings.codePrefix, 'raw-sensor-data/']) denied.push({ handler, why: 'listing outside its prefixes', action: 's3:ListBucket', resource: bucketArn, context: { ...tls, 's3:prefix': prefix } });
  }
  // The state machines' own roles: the backfill starts only the pipeline, the alert reads only the watched machines.
  const backfillRole = roleOfMachine(template, `${settings.clusterName}-backfill`);
  for (const other of ['cleanup', 'backfill', 'alerts']) {
    denied.push({ role: backfillRole, why: 'the backfill starts only the pipeline', action: 'states:StartExecution', resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${settings.clusterName}-${other}`, context: tls });
  }
  const alertRole = roleOfMachine(template, `${settings.clusterName}-alerts`);
  if (alertRole) {
    denied.push({ role: alertRole, why: 'the alert reads only the watched machines', action: 'states:GetExecutionHistory', resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:another-machine:run-1`, context: tls });
    denied.push({ role: alertRole, why: 'the alert publishes only to its topic', action: 'sns:Publish', resource: `arn:aws:sns:${REGION}:${ACCOUNT}:another-topic`, context: tls });
  }
  return denied;
}

test('requests no function may make are denied (other instances, documents, prefixes, tables, state machines)', async () => {
  const cases = mustBeDenied();
  const findings = [];
  for (const c of cases) {
    const roleId = c.role ?? roleOfFunction(template, c.handler);
    const { decision, detail } = await decide(roleId, c, c.binding ? { binding: c.binding } : {});
    if (decision === 'Allowed' || decision === 'Error') findings.push(`${describe(c)} (${c.why}): ${decision}${detail ? ' ' + detail : ''}`);
  }
  summary('@cloud-copilot/iam-simulate', versionOf('@cloud-copilot/iam-simulate'), `${cases.length} must-be-denied requests`, findings.length);
  assert.ok(cases.length > 50, `only ${cases.length} must-be-denied cases were built`);
  assert.deepEqual(findings, []);
});

// Positive controls for the state machine roles: the same evaluator allows what they are for.
test('the backfill may start the pipeline and the alert may read the pipeline\'s executions and publish to its topic', async () => {
  const tls = { 'aws:SecureTransport': 'true' };
  const backfillRole = roleOfMachine(template, `${settings.clusterName}-backfill`);
  const alertRole = roleOfMachine(template, `${settings.clusterName}-alerts`);
  const topic = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic')[0];
  const allowed = [
    { role: backfillRole, action: 'states:StartExecution', resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${settings.clusterName}-pipeline`, context: tls },
    { role: alertRole, action: 'states:GetExecutionHistory', resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${settings.clusterName}-pipeline:2026-02-12`, context: tls },
    { role: alertRole, action: 'sns:Publish', resource: arnOf(template, topic), context: tls },
  ];
  for (const request of allowed) assert.equal((await decide(request.role, request)).decision, 'Allowed', describe(request));
});

/**
 * Negative controls: each recorded request is allowed because of a statement of its role, and without
 * that one statement it is denied (so an allow cannot come from a resolution mistake or an evaluator
 * default). Statements no recorded request needed are reported: permissions the runs never exercised.
 */
test('negative controls: without the statement that allows it, each recorded request is denied', async () => {
  const findings = [];
  const unexercised = [];
  for (const handler of new Set(checked.map((r) => r.handler))) {
    const roleId = roleOfFunction(template, handler);
    const statements = policiesOfRole(template, roleId).flatMap((p) => [p.document.Statement].flat().map((s) => ({ policy: p.name, sid: s.Sid })));
    const own = checked.filter((r) => r.handler === handler);
    const needed = new Map(own.map((r) => [r, false]));
    for (const statement of statements) {
      let used = false;
      for (const request of own) {
        if ((await decide(roleId, request, { without: statement })).decision !== 'Allowed') { used = true; needed.set(request, true); }
      }
      // Lambda itself writes a function's logs with its role; the handler never calls CloudWatch Logs.
      if (!used && statement.sid !== 'OwnLogs') unexercised.push(`${handler}.${statement.sid}`);
    }
    for (const [request, denied] of needed) if (!denied) findings.push(`${describe(request)}: still allowed with any one statement removed`);
  }
  summary('@cloud-copilot/iam-simulate', versionOf('@cloud-copilot/iam-simulate'), 'negative controls (one statement removed)', findings.length,
    `statements no recorded request needed: ${unexercised.length ? unexercised.join(', ') : 'none'}`);
  assert.deepEqual(findings, []);
});
