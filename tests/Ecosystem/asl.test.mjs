// asl-validator and statelint over every state machine of the synthesized template, after its
// DefinitionSubstitutions are applied: the checked text is what Step Functions would receive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolve, join } from 'node:path';
import { loadTemplate, substitutedDefinitions } from './lib/template.mjs';
import { summary, versionOf } from './lib/summary.mjs';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator');
const statelint = require('@wmfs/statelint')();

const root = resolve(import.meta.dirname, '../..');
const template = loadTemplate(process.env.ECOSYSTEM_CDK_OUT ?? join(root, 'cdk.out'));
const machines = substitutedDefinitions(template);

test('the template has state machines to check', () => {
  assert.ok(machines.length >= 3, `found ${machines.map((m) => m.name)}`);
});

test('every substitution is used and no placeholder is left over', () => {
  const problems = machines.flatMap((m) => m.problems.map((p) => `${m.name}: ${p}`));
  assert.deepEqual(problems, []);
});

test('asl-validator: no errors in any substituted definition (paths and ARNs checked)', () => {
  const findings = [];
  for (const m of machines) {
    const { isValid, errors } = aslValidator(JSON.parse(m.text), { checkPaths: true, checkArn: true });
    if (!isValid) findings.push(...errors.map((e) => `${m.name}: ${e.path ?? ''} ${e.message}`));
  }
  summary('asl-validator', versionOf('asl-validator'), `${machines.length} substituted definitions (${machines.map((m) => m.name).join(', ')})`, findings.length);
  assert.deepEqual(findings, []);
});

test('statelint: no problems in any substituted definition', () => {
  const findings = machines.flatMap((m) => statelint.validate(JSON.parse(m.text)).map((p) => `${m.name}: ${p}`));
  summary('@wmfs/statelint', versionOf('@wmfs/statelint'), `${machines.length} substituted definitions`, findings.length);
  assert.deepEqual(findings, []);
});

// Negative controls: each validator must see a defect planted in a real definition, or a clean
// report above would prove nothing.
test('negative controls: both validators see a Next that names no state, a left-over placeholder is caught', () => {
  const broken = JSON.parse(machines[0].text);
  const first = broken.StartAt;
  broken.States[first].Next = 'NoSuchState';
  delete broken.States[first].End;
  assert.equal(aslValidator(broken, { checkPaths: true, checkArn: true }).isValid, false, 'asl-validator missed a dangling Next');
  assert.ok(statelint.validate(broken).length > 0, 'statelint missed a dangling Next');

  const withPlaceholder = structuredClone(template);
  const id = machines[0].logicalId;
  withPlaceholder.Resources[id].Properties.DefinitionString = withPlaceholder.Resources[id].Properties.DefinitionString.replace('"StartAt"', '"Comment2": "${NotSubstituted}", "StartAt"');
  const again = substitutedDefinitions(withPlaceholder).find((m) => m.logicalId === id);
  assert.ok(again.problems.some((p) => p.includes('${NotSubstituted}')), again.problems.join('; '));
});
