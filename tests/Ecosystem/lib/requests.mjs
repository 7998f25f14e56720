// Recorded wire requests (local/lib/aws-recorder.mjs) as the IAM requests AWS would authorize:
// action, resource ARN and the request context keys AWS sets for them.
import { REGION, ACCOUNT } from './template.mjs';

const instanceArn = (id) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;

/** Instance tags as AWS puts them in the request context for an action on that instance. */
function tagContext(tags, prefixes) {
  const context = {};
  for (const [k, v] of Object.entries(tags ?? {})) for (const p of prefixes) context[`${p}${k}`] = v;
  return context;
}

/** Documents owned by AWS have no account in their ARN; the account's own documents do. */
export function documentArn(name) {
  return name.startsWith('AWS-') ? `arn:aws:ssm:${REGION}::document/${name}` : `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${name}`;
}

function s3Requests(record) {
  const url = new URL(record.url, 'http://recorded');
  const [, bucket, ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  if (!key) {
    if (record.method === 'GET' && (q.has('list-type') || q.has('prefix') || [...q.keys()].length === 0 || q.has('max-keys'))) {
      const context = q.has('prefix') ? { 's3:prefix': q.get('prefix') } : {};
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context }];
    }
    if (record.method === 'POST' && q.has('delete')) {
      const keys = [...record.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
      return keys.map((k) => ({ action: 's3:DeleteObject', resource: `arn:aws:s3:::${bucket}/${k}`, context: {} }));
    }
    return [{ action: `s3:unmapped ${record.method} bucket ?${q}`, resource: `arn:aws:s3:::${bucket}`, context: {} }];
  }
  const object = `arn:aws:s3:::${bucket}/${key}`;
  switch (record.method) {
    case 'GET': case 'HEAD': return [{ action: 's3:GetObject', resource: object, context: {} }];
    case 'PUT': return [{ action: 's3:PutObject', resource: object, context: {} }];
    case 'DELETE': return [{ action: 's3:DeleteObject', resource: object, context: {} }];
    default: return [{ action: `s3:unmapped ${record.method} object`, resource: object, context: {} }];
  }
}

function ec2Requests(record) {
  const params = new URLSearchParams(record.body || record.url.split('?')[1] || '');
  const action = params.get('Action');
  const ids = [...params.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
  if (['StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances'].includes(action)) {
    return ids.map((id) => ({ action: `ec2:${action}`, resource: instanceArn(id), context: tagContext(record.instances[id], ['aws:ResourceTag/', 'ec2:ResourceTag/']), instanceId: id, tags: record.instances[id] ?? {} }));
  }
  // Describe* actions support no resource-level permissions.
  return [{ action: `ec2:${action}`, resource: '*', context: {} }];
}

function ssmRequests(record) {
  const operation = record.target.replace(/^AmazonSSM\./, '');
  const body = JSON.parse(record.body || '{}');
  if (operation === 'SendCommand') {
    const found = [{ action: 'ssm:SendCommand', resource: documentArn(body.DocumentName), context: {} }];
    for (const id of body.InstanceIds ?? []) {
      found.push({ action: 'ssm:SendCommand', resource: instanceArn(id), context: tagContext(record.instances[id], ['aws:ResourceTag/', 'ssm:resourceTag/']), instanceId: id, tags: record.instances[id] ?? {} });
    }
    return found;
  }
  return [{ action: `ssm:${operation}`, resource: '*', context: {} }];
}

function dynamodbRequests(record) {
  const operation = record.target.replace(/^DynamoDB_\d+\./, '');
  const body = JSON.parse(record.body || '{}');
  return [{ action: `dynamodb:${operation}`, resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${body.TableName}`, context: {} }];
}

/** The IAM requests of one recorded wire request; TLS is what the SDK uses against AWS. */
export function iamRequests(record) {
  const mapped = {
    s3: s3Requests, ec2: ec2Requests, ssm: ssmRequests, dynamodb: dynamodbRequests,
  }[record.service]?.(record) ?? [{ action: `${record.service}:unmapped`, resource: '*', context: {} }];
  return mapped.map((r) => ({ ...r, context: { 'aws:SecureTransport': 'true', ...r.context } }));
}
