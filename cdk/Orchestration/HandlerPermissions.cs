using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>What each handler's AWS adapter calls (src/Functions/Adapters/Aws), and on what.</summary>
/// <param name="OutputListPatterns">s3:prefix patterns of every step's output prefix (steps without one left out).</param>
/// <param name="BackfillOutputListPatterns">s3:prefix patterns of the output PlanBackfill inspects (the last step's with an output prefix).</param>
/// <param name="RunRecordListPattern">s3:prefix pattern of the run records (<c>runs/*</c>).</param>
/// <param name="RunRecordObjectsArn">ARN of the run record objects (<c>bucket/runs/*</c>).</param>
/// <param name="AnyInstanceArn">ARN of every instance of the account and region, for tag-scoped statements.</param>
/// <param name="CommandStepRoles">SparkRole values of command steps that may run on hosts outside this stack (e.g. "serving"); empty when none.</param>
/// <param name="VolumeKeyArn">The customer-managed KMS key of the nodes' root volumes (deployment.ebsKmsKeyArn), or null for the AWS-managed key.</param>
/// <param name="Region">The stack's region, for the kms:ViaService condition.</param>
public sealed record HandlerResources(
    string BucketArn,
    string InputListPattern,
    IReadOnlyList<string> OutputListPatterns,
    string LockTableArn,
    IReadOnlyList<string> InstanceArns,
    string ClusterName,
    string RunShellScriptDocumentArn,
    IReadOnlyList<string> BackfillOutputListPatterns,
    string RunRecordListPattern,
    string RunRecordObjectsArn,
    string AnyInstanceArn,
    IReadOnlyList<string> CommandStepRoles,
    string? VolumeKeyArn = null,
    string Region = "");

/// <summary>
/// Least privilege per function: each gets only the actions its handler calls. Resource "*" appears
/// only for ec2:DescribeInstances, ssm:DescribeInstanceInformation and ssm:GetCommandInvocation,
/// which support no resource-level permissions.
/// </summary>
public static class HandlerPermissions
{
    public const string ClusterTagCondition = "aws:ResourceTag/" + NodeTags.Cluster;

    /// <summary>
    /// Systems Manager's own tag keys for the instances a command goes to (its documented way to
    /// restrict Run Command by instance tag).
    /// </summary>
    public const string CommandClusterTagCondition = "ssm:resourceTag/" + NodeTags.Cluster;

    public const string CommandRoleTagCondition = "ssm:resourceTag/" + NodeTags.Role;

    public static IReadOnlyList<PolicyStatement> For(string handler, HandlerResources r) => handler switch
    {
        LambdaHandlers.ResolveRun => [],
        LambdaHandlers.CheckInput => [ListPrefixes(r.BucketArn, [r.InputListPattern])],
        LambdaHandlers.VerifyOutput => [ListPrefixes(r.BucketArn, r.OutputListPatterns)],
        // Every lock operation is a conditional UpdateItem (take, renew, release, abandon) or a consistent GetItem.
        LambdaHandlers.AcquireLock or LambdaHandlers.ConfirmLock or LambdaHandlers.ReleaseLock => [LockTable(r)],
        LambdaHandlers.AbandonLock => [LockTable(r), DescribeInstances()],
        // Every action on the cluster first renews the run's lease with its fencing token (LockFence).
        LambdaHandlers.StartCluster => [LockTable(r), DescribeInstances(), OnClusterInstances("StartNodes", ["ec2:StartInstances"], r), .. VolumeKey(r)],
        // ClusterStatus also starts nodes that were still stopping when StartCluster ran.
        LambdaHandlers.ClusterStatus => [LockTable(r), DescribeInstances(), OnClusterInstances("StartNodes", ["ec2:StartInstances"], r), DescribeAgents(), .. VolumeKey(r)],
        LambdaHandlers.StartSpark => [LockTable(r), DescribeInstances(), .. SendCommand(r)],
        // A command step may target hosts of the cluster that this stack does not create (a serving host).
        LambdaHandlers.SubmitStage => [LockTable(r), DescribeInstances(), .. SendCommand(r), .. CommandStepHosts(r)],
        LambdaHandlers.StopSpark => [LockTable(r), DescribeInstances(), DescribeAgents(), .. SendCommand(r)],
        LambdaHandlers.CommandStatus => [LockTable(r), Anywhere("CommandResults", "ssm:GetCommandInvocation")],
        LambdaHandlers.StopCluster => [LockTable(r), DescribeInstances(), OnClusterInstances("StopNodes", ["ec2:StopInstances"], r)],
        // Sweep finds running nodes, takes the lock while it stops them, and frees a stale or abandoned lock.
        LambdaHandlers.Sweep => [LockTable(r), DescribeInstances(), OnClusterInstances("StopNodes", ["ec2:StopInstances"], r)],
        // RecordRun inspects each stage's output (list only) and writes one record under runs/.
        LambdaHandlers.RecordRun =>
        [
            ListPrefixes(r.BucketArn, r.OutputListPatterns),
            Allow("WriteRunRecords", ["s3:PutObject"], [r.RunRecordObjectsArn]),
        ],
        // PlanBackfill: "missing" lists the last output, "failed" lists and reads the run records.
        LambdaHandlers.PlanBackfill =>
        [
            ListPrefixes(r.BucketArn, [.. r.BackfillOutputListPatterns, r.RunRecordListPattern]),
            Allow("ReadRunRecords", ["s3:GetObject"], [r.RunRecordObjectsArn]),
        ],
        // Pure formatting: the alert state machine reads the history and publishes, not the function.
        LambdaHandlers.FormatAlert => [],
        _ => throw new ArgumentOutOfRangeException(nameof(handler), handler, "no permissions defined for this handler"),
    };

    private static PolicyStatement LockTable(HandlerResources r) => Allow("LockTable", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [r.LockTableArn]);

    private static PolicyStatement ListPrefixes(string bucketArn, IReadOnlyList<string> patterns) =>
        new(new PolicyStatementProps
        {
            Sid = "ListPrefixes",
            Actions = ["s3:ListBucket"],
            Resources = [bucketArn],
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

    /// <summary>
    /// A command step runs on the running instances tagged SparkCluster=cluster and SparkRole=targetRole.
    /// A role other than the stack's own nodes' (a serving host) names instances this stack does not
    /// know, so the exact-ARN statement would refuse them: for those only, any instance of the
    /// account and region, as long as it carries both tags. Absent when no command step needs it.
    /// </summary>
    private static PolicyStatement[] CommandStepHosts(HandlerResources r) => r.CommandStepRoles.Count == 0
        ? []
        :
        [
            new(new PolicyStatementProps
            {
                Sid = "CommandStepHosts",
                Actions = ["ssm:SendCommand"],
                Resources = [r.AnyInstanceArn],
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object>
                    {
                        [CommandClusterTagCondition] = r.ClusterName,
                        [CommandRoleTagCondition] = r.CommandStepRoles.ToArray(),
                    },
                },
            }),
        ];

    /// <summary>
    /// Starting an instance whose volume is encrypted with a customer-managed key makes EC2 create a
    /// grant on the key and decrypt the volume's data key on the caller's behalf. Without these the
    /// call succeeds and the instance falls back to stopped (StateReason names the key). Only through
    /// EC2, and grants only for AWS resources. The AWS-managed key needs none of this.
    /// </summary>
    private static PolicyStatement[] VolumeKey(HandlerResources r) => r.VolumeKeyArn is null
        ? []
        :
        [
            new(new PolicyStatementProps
            {
                Sid = "VolumeKeyGrant",
                Actions = ["kms:CreateGrant"],
                Resources = [r.VolumeKeyArn],
                Conditions = new Dictionary<string, object>
                {
                    ["Bool"] = new Dictionary<string, object> { ["kms:GrantIsForAWSResource"] = "true" },
                    ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"ec2.{r.Region}.amazonaws.com" },
                },
            }),
            new(new PolicyStatementProps
            {
                Sid = "VolumeKeyUse",
                Actions = ["kms:Decrypt", "kms:DescribeKey"],
                Resources = [r.VolumeKeyArn],
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"ec2.{r.Region}.amazonaws.com" },
                },
            }),
        ];

    // No resource-level permissions exist for this action.
    private static PolicyStatement DescribeInstances() => Anywhere("FindNodes", "ec2:DescribeInstances");

    // No resource-level permissions exist for this action.
    private static PolicyStatement DescribeAgents() => Anywhere("AgentStatus", "ssm:DescribeInstanceInformation");

    private static PolicyStatement Anywhere(string sid, string action) => Allow(sid, [action], ["*"]);

    private static PolicyStatement Allow(string sid, string[] actions, string[] resources) =>
        new(new PolicyStatementProps { Sid = sid, Effect = Effect.ALLOW, Actions = actions, Resources = resources });
}
