using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>What each handler's AWS adapter calls (src/Functions/Adapters/Aws), and on what.</summary>
public sealed record HandlerResources(
    string BucketArn,
    string InputListPattern,
    IReadOnlyList<string> OutputListPatterns,
    string LockTableArn,
    IReadOnlyList<string> InstanceArns,
    string ClusterName,
    string RunShellScriptDocumentArn);

/// <summary>
/// Least privilege per function: each gets only the actions its handler calls. Resource "*" appears
/// only for ec2:DescribeInstances, ssm:DescribeInstanceInformation and ssm:GetCommandInvocation,
/// which support no resource-level permissions.
/// </summary>
public static class HandlerPermissions
{
    public const string ClusterTagCondition = "aws:ResourceTag/" + NodeTags.Cluster;

    public static IReadOnlyList<PolicyStatement> For(string handler, HandlerResources r) => handler switch
    {
        LambdaHandlers.ResolveRun => [],
        LambdaHandlers.CheckInput => [ListPrefixes(r, [r.InputListPattern])],
        LambdaHandlers.VerifyOutput => [ListPrefixes(r, r.OutputListPatterns)],
        LambdaHandlers.AcquireLock => [Allow("LockTable", ["dynamodb:PutItem", "dynamodb:GetItem"], [r.LockTableArn])],
        LambdaHandlers.ReleaseLock => [Allow("LockTable", ["dynamodb:DeleteItem", "dynamodb:GetItem"], [r.LockTableArn])],
        LambdaHandlers.StartCluster => [DescribeInstances(), OnClusterInstances("StartNodes", ["ec2:StartInstances"], r)],
        // ClusterStatus also starts nodes that were still stopping when StartCluster ran.
        LambdaHandlers.ClusterStatus => [DescribeInstances(), OnClusterInstances("StartNodes", ["ec2:StartInstances"], r), DescribeAgents()],
        LambdaHandlers.StartSpark or LambdaHandlers.SubmitStage => [DescribeInstances(), .. SendCommand(r)],
        LambdaHandlers.StopSpark => [DescribeInstances(), DescribeAgents(), .. SendCommand(r)],
        LambdaHandlers.CommandStatus => [Anywhere("CommandResults", "ssm:GetCommandInvocation")],
        LambdaHandlers.StopCluster => [DescribeInstances(), OnClusterInstances("StopNodes", ["ec2:StopInstances"], r)],
        _ => throw new ArgumentOutOfRangeException(nameof(handler), handler, "no permissions defined for this handler"),
    };

    private static PolicyStatement ListPrefixes(HandlerResources r, IReadOnlyList<string> patterns) =>
        new(new PolicyStatementProps
        {
            Sid = "ListPrefixes",
            Actions = ["s3:ListBucket"],
            Resources = [r.BucketArn],
            Conditions = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = patterns.ToArray() } },
        });

    private static PolicyStatement OnClusterInstances(string sid, string[] actions, HandlerResources r) =>
        new(new PolicyStatementProps
        {
            Sid = sid,
            Actions = actions,
            Resources = [.. r.InstanceArns],
            // Belt and braces: the exact instances, and only while they carry this cluster's tag.
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { [ClusterTagCondition] = r.ClusterName } },
        });

    /// <summary>SendCommand authorizes both the instances and the document: the instances by ARN and tag, the document by name.</summary>
    private static PolicyStatement[] SendCommand(HandlerResources r) =>
    [
        OnClusterInstances("CommandNodes", ["ssm:SendCommand"], r),
        Allow("RunShellScriptOnly", ["ssm:SendCommand"], [r.RunShellScriptDocumentArn]),
    ];

    // No resource-level permissions exist for this action.
    private static PolicyStatement DescribeInstances() => Anywhere("FindNodes", "ec2:DescribeInstances");

    // No resource-level permissions exist for this action.
    private static PolicyStatement DescribeAgents() => Anywhere("AgentStatus", "ssm:DescribeInstanceInformation");

    private static PolicyStatement Anywhere(string sid, string action) => Allow(sid, [action], ["*"]);

    private static PolicyStatement Allow(string sid, string[] actions, string[] resources) =>
        new(new PolicyStatementProps { Sid = sid, Effect = Effect.ALLOW, Actions = actions, Resources = resources });
}
