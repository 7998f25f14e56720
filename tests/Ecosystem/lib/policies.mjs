// IAM policies of the synthesized template with their intrinsics resolved the way CloudFormation
// would for this account and region, for the IAM evaluator.
import { REGION, ACCOUNT, arnOf } from './template.mjs';

const PSEUDO = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };

/**
 * Resolves Ref, Fn::GetAtt and Fn::Join. `instanceIds` maps an EC2 instance's logical id to the id
 * the evaluated request names (the acceptance world's instance standing for it); unmapped instances
 * keep their logical id, so no request can match them by accident.
 */
export function resolve(template, node, instanceIds = {}) {
  if (Array.isArray(node)) return node.map((n) => resolve(template, n, instanceIds));
  if (node === null || typeof node !== 'object') return node;
  if ('Ref' in node) {
    const id = node.Ref;
    if (PSEUDO[id]) return PSEUDO[id];
    const resource = template.Resources[id];
    if (!resource) throw new Error(`Ref to unknown ${id}`);
    switch (resource.Type) {
      case 'AWS::EC2::Instance': return instanceIds[id] ?? id;
      case 'AWS::S3::Bucket': return resource.Properties.BucketName;
      case 'AWS::DynamoDB::Table': return resource.Properties.TableName;
      case 'AWS::Lambda::Function': return resource.Properties.FunctionName;
      case 'AWS::Logs::LogGroup': return resource.Properties.LogGroupName;
      default: return arnOf(template, id);
    }
  }
  if ('Fn::GetAtt' in node) {
    const [id, attribute] = node['Fn::GetAtt'];
    if (attribute === 'Arn') return arnOf(template, id);
    if (attribute === 'QueueName') return template.Resources[id].Properties.QueueName;
    throw new Error(`Fn::GetAtt ${id}.${attribute} is not resolvable here`);
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'];
    return resolve(template, parts, instanceIds).join(separator);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(template, v, instanceIds)]));
}

/** The logical id of the role a function (by handler name) or a state machine (by name) runs as. */
export function roleOfFunction(template, handler) {
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === handler && typeof r.Properties.FunctionName === 'string');
  if (!fn) return null;
  return fn.Properties.Role['Fn::GetAtt'][0];
}

export function roleOfMachine(template, name) {
  const m = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === name);
  return m ? m.Properties.RoleArn['Fn::GetAtt'][0] : null;
}

/** Every identity policy attached to a role, unresolved: [{name, document}]. */
export function policiesOfRole(template, roleId) {
  const found = [];
  const role = template.Resources[roleId];
  for (const p of role?.Properties?.Policies ?? []) found.push({ name: p.PolicyName, document: p.PolicyDocument });
  if ((role?.Properties?.ManagedPolicyArns ?? []).length > 0) throw new Error(`${roleId} has managed policies, which this check cannot read`);
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((x) => x.Ref === roleId)) found.push({ name: id, document: r.Properties.PolicyDocument });
  }
  return found;
}

/** The bucket policy of the data bucket (its TLS-only deny applies to every S3 request). */
export function bucketPolicy(template, bucketName) {
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::S3::BucketPolicy') continue;
    const bucket = resolve(template, r.Properties.Bucket);
    if (bucket === bucketName) return resolve(template, r.Properties.PolicyDocument);
  }
  return undefined;
}

/** The stack's EC2 instances: [{logicalId, tags}]. */
export function stackInstances(template) {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::EC2::Instance')
    .map(([logicalId, r]) => ({ logicalId, tags: Object.fromEntries((r.Properties.Tags ?? []).map((t) => [t.Key, t.Value])) }));
}
