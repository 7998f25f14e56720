// The stack as synthesized: the state machine definitions exactly as CloudFormation would get
// them (substitutions resolved), and each function's handler and environment.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const REGION = 'ap-northeast-2';
export const ACCOUNT = '123456789012';

export function loadStack(cdkOut) {
  if (!existsSync(cdkOut)) {
    throw new Error(`${cdkOut} does not exist: run ./pipeline synth first`);
  }
  const file = readdirSync(cdkOut).find((f) => f.endsWith('.template.json'));
  if (!file) throw new Error(`no *.template.json in ${cdkOut}: run ./pipeline synth first`);
  const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8'));
  const resources = template.Resources;

  const functions = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::Lambda::Function') {
      const handler = resource.Properties.Handler;
      functions[logicalId] = {
        handler,
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${handler}`,
        environment: resource.Properties.Environment?.Variables ?? {},
      };
    }
  }

  const machineArn = (logicalId) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
  const machines = {};
  const machineIdByArn = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    machineIdByArn[machineArn(logicalId)] = logicalId;
    const props = resource.Properties;
    if (typeof props.DefinitionString !== 'string') {
      throw new Error(`${logicalId}: DefinitionString is not a plain string; the suite resolves only DefinitionSubstitutions`);
    }
    let text = props.DefinitionString;
    for (const [name, value] of Object.entries(props.DefinitionSubstitutions ?? {})) {
      const target = value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
      let arn;
      if (functions[target]) arn = functions[target].arn;
      else if (resources[target]?.Type === 'AWS::StepFunctions::StateMachine') arn = machineArn(target);
      // The alert machine publishes to the topic; no local run reaches SNS, so any well-formed ARN serves.
      else if (resources[target]?.Type === 'AWS::SNS::Topic') arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${resources[target].Properties.TopicName}`;
      else throw new Error(`${logicalId}: substitution ${name} does not point at a function or state machine of the stack`);
      text = text.split('${' + name + '}').join(arn);
    }
    const left = text.match(/\$\{[A-Za-z0-9]+\}/);
    if (left) throw new Error(`${logicalId}: placeholder ${left[0]} has no substitution`);
    machines[logicalId] = JSON.parse(text);
  }

  const byName = (fragment) => {
    const id = Object.keys(machines).find((k) => k.includes(fragment));
    if (!id) throw new Error(`no state machine whose logical id contains ${fragment}`);
    return machines[id];
  };
  const handlerByArn = Object.fromEntries(Object.values(functions).map((f) => [f.arn, f.handler]));
  const settingsJson = Object.values(functions).find((f) => f.environment.PIPELINE_SETTINGS)?.environment.PIPELINE_SETTINGS;
  if (!settingsJson) throw new Error('no function carries PIPELINE_SETTINGS');
  const byArn = (arn) => machines[machineIdByArn[arn]];
  return {
    pipeline: byName('Pipeline'),
    pipelineArn: machineArn(Object.keys(machines).find((k) => k.includes('Pipeline'))),
    cleanup: byName('Cleanup'),
    backfill: Object.keys(machines).some((k) => k.includes('Backfill')) ? byName('Backfill') : null,
    machineByArn: byArn,
    handlerByArn,
    settings: JSON.parse(settingsJson),
  };
}

/** Every Task state, with nested Parallel branches and Map processors, as [stateName, resource]. */
export function taskStates(definition) {
  const found = [];
  const walk = (states) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') found.push([name, state.Resource]);
      for (const branch of state.Branches ?? []) walk(branch.States);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor.States);
    }
  };
  walk(definition.States);
  return found;
}

export function statesOfType(definition, type) {
  const found = [];
  const walk = (states) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === type) found.push(name);
      for (const branch of state.Branches ?? []) walk(branch.States);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor.States);
    }
  };
  walk(definition.States);
  return found;
}
