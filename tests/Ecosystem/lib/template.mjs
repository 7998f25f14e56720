// The synthesized template as the checkers need it: each state machine's definition exactly as Step
// Functions would receive it (DefinitionSubstitutions applied with plausible ARNs), and each
// function's role with its policies.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const REGION = 'ap-northeast-2';
export const ACCOUNT = '123456789012';

export function templateFile(cdkOut) {
  if (!existsSync(cdkOut)) throw new Error(`${cdkOut} does not exist: run ./pipeline synth first`);
  const file = readdirSync(cdkOut).find((f) => f.endsWith('.template.json'));
  if (!file) throw new Error(`no *.template.json in ${cdkOut}: run ./pipeline synth first`);
  return join(cdkOut, file);
}

export function loadTemplate(cdkOut) {
  return JSON.parse(readFileSync(templateFile(cdkOut), 'utf8'));
}

/**
 * The ARN CloudFormation would return for Ref / Fn::GetAtt Arn of a resource of the template, built
 * from its own name property, so the checked text names real-looking resources of this stack.
 */
export function arnOf(template, logicalId) {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  const p = resource.Properties ?? {};
  const named = (key) => {
    if (typeof p[key] !== 'string') throw new Error(`${logicalId}: ${key} is not a plain string, so no plausible ARN can be made`);
    return p[key];
  };
  switch (resource.Type) {
    case 'AWS::Lambda::Function': return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${named('FunctionName')}`;
    case 'AWS::StepFunctions::StateMachine': return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${named('StateMachineName')}`;
    case 'AWS::SNS::Topic': return `arn:aws:sns:${REGION}:${ACCOUNT}:${named('TopicName')}`;
    case 'AWS::SQS::Queue': return `arn:aws:sqs:${REGION}:${ACCOUNT}:${named('QueueName')}`;
    case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${named('TableName')}`;
    case 'AWS::S3::Bucket': return `arn:aws:s3:::${named('BucketName')}`;
    case 'AWS::Logs::LogGroup': return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${named('LogGroupName')}:*`;
    case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
    default: throw new Error(`${logicalId}: no plausible ARN for a ${resource.Type}`);
  }
}

/** A Ref or Fn::GetAtt [id, 'Arn'] as the ARN it stands for. */
function resolveArnReference(template, value, where) {
  const target = value?.Ref ?? (value?.['Fn::GetAtt']?.[1] === 'Arn' ? value['Fn::GetAtt'][0] : undefined);
  if (typeof target !== 'string') throw new Error(`${where}: ${JSON.stringify(value)} is neither a Ref nor an Fn::GetAtt Arn`);
  return arnOf(template, target);
}

/**
 * Every state machine of the template as {logicalId, name, text, problems}: the definition after
 * DefinitionSubstitutions, with a placeholder left over or a substitution never used as problems
 * (Step Functions would receive the first as literal text; the second means a wiring mistake).
 */
export function substitutedDefinitions(template) {
  const machines = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties;
    const problems = [];
    if (typeof props.DefinitionString !== 'string') {
      problems.push('DefinitionString is not a plain string: only DefinitionSubstitutions may carry references');
      machines.push({ logicalId, name: props.StateMachineName, text: '{}', problems });
      continue;
    }
    let text = props.DefinitionString;
    for (const [name, value] of Object.entries(props.DefinitionSubstitutions ?? {})) {
      const placeholder = '${' + name + '}';
      if (!text.includes(placeholder)) problems.push(`substitution ${name} is never used by the definition`);
      text = text.split(placeholder).join(resolveArnReference(template, value, `${logicalId}.${name}`));
    }
    for (const left of text.match(/\$\{[^}]*\}/g) ?? []) problems.push(`placeholder ${left} has no substitution`);
    machines.push({ logicalId, name: props.StateMachineName, text, problems });
  }
  return machines;
}
