using Amazon.CDK;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>Adds the stack to an app; shared by Program and the tests so both synthesize the same thing.</summary>
public static class PipelineApp
{
    public static PipelineStack AddStack(App app, AppSettings settings)
    {
        var deployment = settings.Deployment;
        var account = string.IsNullOrEmpty(deployment.Account) ? null : deployment.Account;
        if (account is not null)
        {
            // With a concrete account and region the VPC asks the account for its zones (a lookup
            // that needs credentials). The zone is a setting, so answer that question from it.
            app.Node.SetContext($"availability-zones:account={account}:region={deployment.Region}", new[] { deployment.AvailabilityZone });
        }

        return new PipelineStack(app, deployment.StackName, settings, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = account, Region = deployment.Region },
            Description = $"Daily Spark pipeline {settings.Pipeline.ClusterName}: Step Functions + Lambda orchestrating a Spark Standalone cluster on EC2",
        });
    }
}
