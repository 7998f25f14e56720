// The wire-to-IAM mapping the IAM check relies on, on requests as the .NET SDK sends them (taken from
// a recording): if it mapped a call to the wrong action, resource or context, the evaluation above it
// would check the wrong thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iamRequests, documentArn } from './lib/requests.mjs';

test('ListObjectsV2 is s3:ListBucket on the bucket with the decoded s3:prefix', () => {
  const [r] = iamRequests({ service: 's3', method: 'GET', url: '/pothole-pipeline-data/?list-type=2&max-keys=1000&prefix=raw-sensor-data%2Fdt%3D2026-02-12%2F', target: null, body: '', instances: {} });
  assert.deepEqual(r, { action: 's3:ListBucket', resource: 'arn:aws:s3:::pothole-pipeline-data', context: { 'aws:SecureTransport': 'true', 's3:prefix': 'raw-sensor-data/dt=2026-02-12/' } });
});

test('PutObject is s3:PutObject on the decoded key', () => {
  const [r] = iamRequests({ service: 's3', method: 'PUT', url: '/pothole-pipeline-data/runs/dt%3D2026-02-12/20260213T010000Z_2026-02-12.json', target: null, body: '', instances: {} });
  assert.equal(r.action, 's3:PutObject');
  assert.equal(r.resource, 'arn:aws:s3:::pothole-pipeline-data/runs/dt=2026-02-12/20260213T010000Z_2026-02-12.json');
});

test('StartInstances is one request per instance, with that instance\'s tags as the resource tags', () => {
  const found = iamRequests({
    service: 'ec2', method: 'POST', url: '/', target: null,
    body: 'Action=StartInstances&InstanceId.1=i-0aaa&InstanceId.2=i-0bbb&Version=2016-11-15',
    instances: { 'i-0aaa': { SparkCluster: 'pothole-spark', SparkRole: 'master' }, 'i-0bbb': { SparkCluster: 'other' } },
  });
  assert.deepEqual(found.map((r) => [r.action, r.resource, r.context['aws:ResourceTag/SparkCluster']]), [
    ['ec2:StartInstances', 'arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0aaa', 'pothole-spark'],
    ['ec2:StartInstances', 'arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0bbb', 'other'],
  ]);
});

test('SendCommand authorizes the document and each instance, with SSM\'s tag keys', () => {
  const found = iamRequests({
    service: 'ssm', method: 'POST', url: '/', target: 'AmazonSSM.SendCommand',
    body: JSON.stringify({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-0aaa'] }),
    instances: { 'i-0aaa': { SparkCluster: 'pothole-spark' } },
  });
  assert.equal(found[0].resource, documentArn('AWS-RunShellScript'));
  assert.equal(found[0].resource, 'arn:aws:ssm:ap-northeast-2::document/AWS-RunShellScript');
  assert.equal(found[1].context['ssm:resourceTag/SparkCluster'], 'pothole-spark');
});

test('a DynamoDB call is authorized on the table its body names', () => {
  const [r] = iamRequests({ service: 'dynamodb', method: 'POST', url: '/', target: 'DynamoDB_20120810.UpdateItem', body: JSON.stringify({ TableName: 'pothole-spark-lock' }), instances: {} });
  assert.deepEqual([r.action, r.resource], ['dynamodb:UpdateItem', 'arn:aws:dynamodb:ap-northeast-2:123456789012:table/pothole-spark-lock']);
});

test('a service the check does not know is flagged, not waved through', () => {
  const [r] = iamRequests({ service: 'sns', method: 'POST', url: '/', target: null, body: 'Action=Publish', instances: {} });
  assert.match(r.action, /unmapped/);
});
