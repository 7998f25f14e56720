// cdk-nag (AwsSolutions and Serverless packs) over the synthesized template, read back through
// cloudformation_include. Every finding is either fixed or accepted, with a reason, in
// cdk-nag-accepted.json; a new finding fails, and so does an accepted entry that matches nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { templateFile } from './lib/template.mjs';
import { nagFindings } from './lib/nag.mjs';
import { summary, versionOf } from './lib/summary.mjs';

const root = resolve(import.meta.dirname, '../..');
const file = templateFile(process.env.ECOSYSTEM_CDK_OUT ?? join(root, 'cdk.out'));
const accepted = JSON.parse(readFileSync(join(import.meta.dirname, 'cdk-nag-accepted.json'), 'utf8')).accepted;

const glob = (pattern) => new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
const matches = (entry, finding) => entry.rule === finding.rule && glob(entry.resource).test(finding.resource);

test('every accepted finding names a rule, a resource and a reason', () => {
  for (const entry of accepted) {
    assert.ok(entry.rule && entry.resource && entry.reason && entry.reason.length > 20, JSON.stringify(entry));
  }
});

test('cdk-nag: no finding outside the reviewed accepted list, and no stale entry in it', () => {
  const findings = nagFindings(file);
  const rules = new Set(findings.map((f) => f.rule.replace(/\[.*$/, '')));
  const unaccepted = findings.filter((f) => !accepted.some((e) => matches(e, f)));
  const stale = accepted.filter((e) => !findings.some((f) => matches(e, f)));
  summary('cdk-nag', versionOf('cdk-nag'), `AwsSolutions + Serverless packs over ${file.split('/').at(-1)}`,
    unaccepted.length, `${findings.length} found, ${findings.length - unaccepted.length} accepted by ${accepted.length} entries of tests/Ecosystem/cdk-nag-accepted.json (${rules.size} rules), ${stale.length} stale entries`);
  assert.deepEqual(unaccepted.map((f) => `${f.rule} on ${f.resource}: ${f.info}`), []);
  assert.deepEqual(stale.map((e) => `${e.rule} on ${e.resource} matches no finding any more: remove it`), []);
});

// Negative control: the packs must see a planted defect, or a clean report would prove nothing.
test('negative control: an unencrypted, open queue added to the template is found', async () => {
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const template = JSON.parse(readFileSync(file, 'utf8'));
  template.Resources.PlantedQueue = { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } };
  const dir = mkdtempSync(join(tmpdir(), 'nag-'));
  try {
    writeFileSync(join(dir, 'planted.template.json'), JSON.stringify(template));
    const planted = nagFindings(join(dir, 'planted.template.json')).filter((f) => f.resource === 'PlantedQueue');
    assert.ok(planted.some((f) => f.rule === 'AwsSolutions-SQS4'), `found only ${planted.map((f) => f.rule)}`);
    assert.ok(!planted.every((f) => accepted.some((e) => matches(e, f))), 'the accepted list must not excuse a planted queue');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
