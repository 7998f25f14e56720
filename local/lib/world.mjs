// What the stack would have created, made in moto: the data bucket with a day's input, the
// tagged master and workers (stopped, as they idle between runs) and the lock table. Also the
// read-back helpers the scenarios assert with.
import { S3Client, CreateBucketCommand, PutObjectCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { EC2Client, RunInstancesCommand, StopInstancesCommand, StartInstancesCommand, DescribeInstancesCommand, CreateTagsCommand } from '@aws-sdk/client-ec2';
import { DynamoDBClient, CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SSMClient, ListCommandsCommand } from '@aws-sdk/client-ssm';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REGION } from './stack.mjs';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Fills a settings template for a batch date, as the pipeline's Template.Expand does. */
export function expand(template, day, bucket) {
  return template.replaceAll('{ds}', day).replaceAll('{ds_nodash}', day.replaceAll('-', '')).replaceAll('{bucket}', bucket);
}

export function clients(endpoint) {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    ec2: new EC2Client(config),
    dynamodb: new DynamoDBClient(config),
    ssm: new SSMClient(config),
  };
}

/**
 * `setupComplete` (default true): the nodes as a finished deploy leaves them, each tagged
 * SparkNodeSetup=complete by its own set-up (cdk/spark-node-ready.sh). false: nodes in their first
 * boot, running or not, still installing and not yet tagged; `completeSetup` tags them later.
 */
export async function createWorld(aws, settings, { date, inputFiles = 3, nodeState = 'stopped', moreDates = [], setupComplete = true }) {
  await aws.s3.send(new CreateBucketCommand({
    Bucket: settings.bucket,
    CreateBucketConfiguration: { LocationConstraint: REGION },
  }));
  const prefixOf = (day) => expand(settings.inputPrefix, day, settings.bucket);
  const inputPrefix = prefixOf(date);
  for (const day of [date, ...moreDates]) {
    for (let i = 0; i < inputFiles; i++) {
      await aws.s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: `${prefixOf(day)}trip-${i}.parquet`, Body: 'sensor data (test fixture)' }));
    }
  }
  await aws.dynamodb.send(new CreateTableCommand({
    TableName: settings.lockTable,
    KeySchema: [{ AttributeName: 'clusterName', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'clusterName', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  const ids = [];
  const roles = ['master', ...Array(settings.workerCount).fill('worker')];
  for (const role of roles) {
    const out = await aws.ec2.send(new RunInstancesCommand({
      ImageId: 'ami-12345678', InstanceType: 't3.medium', MinCount: 1, MaxCount: 1,
      TagSpecifications: [{
        ResourceType: 'instance',
        Tags: [
          { Key: 'SparkCluster', Value: settings.clusterName },
          { Key: 'SparkRole', Value: role },
          ...(setupComplete ? [SETUP_TAG] : []),
        ],
      }],
    }));
    ids.push(out.Instances[0].InstanceId);
  }
  if (nodeState === 'stopped') await aws.ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
  else await aws.ec2.send(new StartInstancesCommand({ InstanceIds: ids }));
  return { ids, inputPrefix };
}

/** The tag a node's set-up puts on its own instance once its smoke check passed (NodeTags.Setup). */
export const SETUP_TAG = { Key: 'SparkNodeSetup', Value: 'complete' };

/** A node's first boot finishing: its set-up tags the instance, as cdk/spark-node-ready.sh does. */
export async function completeSetup(aws, instanceIds) {
  await aws.ec2.send(new CreateTagsCommand({ Resources: instanceIds, Tags: [SETUP_TAG] }));
}

/** Uploads every file under a directory (recursively) below a key prefix; returns the keys written. */
export async function uploadDirectory(aws, bucket, prefix, dir, keep = () => true) {
  const keys = [];
  const walk = async (folder) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) {
        await walk(path);
      } else if (keep(path)) {
        const key = prefix + relative(dir, path).split('\\').join('/');
        await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path) }));
        keys.push(key);
      }
    }
  };
  await walk(dir);
  return keys;
}

/** Each node of the cluster with its role and EC2 state. */
export async function nodes(aws, settings) {
  const out = await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:SparkCluster', Values: [settings.clusterName] }] }));
  return out.Reservations.flatMap((r) => r.Instances).map((i) => ({
    id: i.InstanceId,
    role: i.Tags.find((t) => t.Key === 'SparkRole')?.Value,
    state: i.State.Name,
  }));
}

export async function nodeStates(aws, settings) {
  const out = await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:SparkCluster', Values: [settings.clusterName] }] }));
  return out.Reservations.flatMap((r) => r.Instances).map((i) => i.State.Name);
}

/** The lock item as DynamoDbRunLock stores it: holder, kind, fencing token, lease, abandoned mark; null when none. */
export async function lockState(aws, settings) {
  const out = await aws.dynamodb.send(new GetItemCommand({ TableName: settings.lockTable, Key: { clusterName: { S: settings.clusterName } }, ConsistentRead: true }));
  const item = out.Item;
  if (!item) return null;
  return {
    holder: item.holder?.S ?? null,
    kind: item.holderKind?.S ?? null,
    token: Number(item.token?.N ?? 0),
    acquiredAt: Number(item.acquiredAt?.N ?? 0),
    leaseUntil: Number(item.leaseUntil?.N ?? 0),
    abandoned: item.abandoned?.S ?? null,
    reason: item.reason?.S ?? null,
  };
}

export async function lockHolder(aws, settings) {
  return (await lockState(aws, settings))?.holder ?? null;
}

/**
 * Puts the lock in another holder's hands with the next fencing token, its lease ending at
 * `leaseUntilMs` (15 minutes from now by default; in the past = a holder that stopped renewing).
 */
export async function holdLock(aws, settings, holder, leaseUntilMs = Date.now() + 15 * 60_000, kind = 'Run') {
  const token = ((await lockState(aws, settings))?.token ?? 0) + 1;
  await aws.dynamodb.send(new PutItemCommand({
    TableName: settings.lockTable,
    Item: {
      clusterName: { S: settings.clusterName }, holder: { S: holder }, holderKind: { S: kind }, token: { N: String(token) },
      acquiredAt: { N: String(Math.min(Date.now(), leaseUntilMs) - 60_000) }, leaseUntil: { N: String(leaseUntilMs) },
    },
  }));
  return token;
}

/** What was sent over "SSM", as moto recorded it (it runs nothing). */
export async function sentCommands(aws) {
  const out = await aws.ssm.send(new ListCommandsCommand({}));
  return (out.Commands ?? []).map((c) => ({ id: c.CommandId, comment: c.Comment, script: c.Parameters?.commands?.[0] ?? '', instanceIds: c.InstanceIds }));
}

export async function getText(aws, bucket, key) {
  const out = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body.transformToString();
}

export async function putText(aws, bucket, key, body) {
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

export async function keysUnder(aws, settings, prefix) {
  const out = await aws.s3.send(new ListObjectsV2Command({ Bucket: settings.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key);
}

/**
 * Stands in for the Spark cluster, which cannot run here: when a stage's spark-submit was sent,
 * writes what a successful job leaves behind (a data file and _SUCCESS) under the --output of
 * that command line, read back from moto's record of the command. Clearly simulated data.
 */
export async function simulateStageOutput(aws, settings, commandId) {
  const command = (await sentCommands(aws)).find((c) => c.id === commandId);
  const match = command?.script.match(/'--output' 's3a:\/\/([^/']+)\/([^']*)'/);
  if (!match) throw new Error(`command ${commandId} has no --output s3a:// argument: ${command?.script}`);
  const [, bucket, prefix] = match;
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}part-00000.json`, Body: '{"simulated":"written by the acceptance suite in place of Spark"}' }));
  // An explicit length: the SDK warns about every empty body otherwise.
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}_SUCCESS`, Body: '', ContentLength: 0 }));
  return prefix;
}
