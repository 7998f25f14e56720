// cdk-nag over the synthesized template: the .NET package is not served, so the npm one reads the
// template back through aws-cdk-lib's cloudformation_include and validates that scope directly.
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/** Every finding of the AwsSolutions and Serverless packs, as {pack, rule, resource, level, info}. */
export function nagFindings(templateFile) {
  const app = new App();
  const stack = new Stack(app, 'Checked');
  new CfnInclude(stack, 'Template', { templateFile });
  const findings = [];
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    const report = pack.validateScope(stack);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push({ pack: pack.readPackName, rule: v.ruleName, resource: r.resourceLogicalId ?? r.constructPath?.split('/').at(-1), level: v.severity, info: v.description });
      }
    }
  }
  return findings;
}
