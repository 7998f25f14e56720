using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Assets;
using Amazon.CDK.AWS.S3.Deployment;
using Constructs;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// Ships the stage code with the stack: the selected files of jobs/ (<see cref="StageCodeFiles"/>)
/// become exactly what lies under <c>s3://bucket/codePrefix</c>, where the nodes sync it from before
/// every run. A deploy replaces the prefix's contents (prune), so a removed script does not linger.
///
/// BucketDeployment's own grants would give its function s3:GetObject*, s3:List*, s3:DeleteObject*
/// and more on the whole bucket and the asset bucket. Its role here is therefore handed over
/// without policy updates (those grants are dropped) and carries only the statements below: read the
/// one asset object, list and write only under the code prefix, write its own log group.
/// </summary>
public sealed class StageCodeDeployment : Construct
{
    public StageCodeDeployment(Construct scope, string id, AppSettings settings, IBucket bucket)
        : base(scope, id)
    {
        var pipeline = settings.Pipeline;
        var codePrefix = pipeline.CodePrefix;
        // The settings validator already demands a non-empty folder; an empty prefix would let prune
        // empty the whole bucket, so this construct refuses it on its own too.
        if (string.IsNullOrEmpty(codePrefix) || !codePrefix.EndsWith('/') || codePrefix.StartsWith('/') || codePrefix.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the code prefix must be a fixed folder such as \"code/\", got \"{codePrefix}\"", nameof(settings));
        }

        CodePrefix = codePrefix;
        Files = StageCodeFiles.Select(settings.StageCodeDirectory);
        var asset = new Asset(this, "Asset", new AssetProps { Path = StageCodeFiles.Stage(settings.StageCodeDirectory) });

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = LogGroupName(pipeline.ClusterName),
            Retention = Retention.Of(settings.Deployment.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"{pipeline.ClusterName}: deploy the stage code under {codePrefix} of the data bucket, nothing else",
        });
        Policy = new Policy(this, "Policy", new PolicyProps
        {
            Roles = [Role],
            Statements =
            [
                Allow("ReadCodeAsset", ["s3:GetObject"], [asset.Bucket.ArnForObjects(asset.S3ObjectKey)]),
                // `aws s3 sync` lists the destination prefix to find what to upload and what to prune.
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ListCodePrefix",
                    Effect = Effect.ALLOW,
                    Actions = ["s3:ListBucket"],
                    Resources = [bucket.BucketArn],
                    Conditions = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = new[] { codePrefix + "*" } } },
                }),
                // DeleteObject is what prune uses; it reaches nothing outside the code prefix.
                Allow("WriteCodePrefix", ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], [bucket.ArnForObjects(codePrefix + "*")]),
                Allow("OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [LogGroup.LogGroupArn]),
            ],
        });

        Deployment = new BucketDeployment(this, "Deployment", new BucketDeploymentProps
        {
            Sources = [Source.Bucket(asset.Bucket, asset.S3ObjectKey)],
            DestinationBucket = bucket,
            DestinationKeyPrefix = codePrefix,
            Prune = true,
            // Deleting the stack leaves the code in the (retained) bucket; nothing is deleted but by prune.
            RetainOnDelete = true,
            Role = Role.WithoutPolicyUpdates(),
            // Without it Lambda would create /aws/lambda/<function> on first use, with no retention.
            LogGroup = LogGroup,
            // Stated rather than Lambda's 128 MiB default (cdk-nag Serverless-LambdaDefaultMemorySize):
            // the AWS CLI sync of a few small files fits, and a bigger jobs/ folder has room.
            MemoryLimit = 256,
        });
        // The custom resource runs the function at deploy time; its permissions must be in place first.
        Deployment.Node.AddDependency(Policy);

        // CDK 2.160 gives BucketDeployment's function python3.11, for which Lambda stopped taking
        // new functions on 2026-07-31 (cfn-lint E2533). The handler and the AWS CLI v1 layer it
        // ships (awscli 1.31, botocore 1.33) run on python3.12, supported until 2028.
        Handler = (CfnFunction)SingletonFunction(Stack.Of(this)).Node.DefaultChild!;
        Handler.Runtime = HandlerRuntime;
    }

    /// <summary>The Lambda runtime of the function behind Custom::CDKBucketDeployment.</summary>
    public const string HandlerRuntime = "python3.12";

    /// <summary>BucketDeployment puts its (singleton) function at the top of the stack under this name prefix.</summary>
    private const string SingletonPrefix = "Custom::CDKBucketDeployment";

    private static IConstruct SingletonFunction(Stack stack)
    {
        var found = stack.Node.Children.Where(c => c.Node.Id.StartsWith(SingletonPrefix, StringComparison.Ordinal)).ToList();
        return found.Count == 1
            ? found[0]
            : throw new InvalidOperationException($"expected one {SingletonPrefix}* function in the stack, found {found.Count}");
    }

    public static string LogGroupName(string clusterName) => $"/{clusterName}/stage-code-deployment";

    public string CodePrefix { get; }

    /// <summary>The key suffixes under the code prefix that a deploy leaves there.</summary>
    public IReadOnlyList<string> Files { get; }

    public Role Role { get; }

    public Policy Policy { get; }

    public LogGroup LogGroup { get; }

    public BucketDeployment Deployment { get; }

    /// <summary>The function behind Custom::CDKBucketDeployment (shared by every BucketDeployment of the stack).</summary>
    public CfnFunction Handler { get; }

    private static PolicyStatement Allow(string sid, string[] actions, string[] resources) =>
        new(new PolicyStatementProps { Sid = sid, Effect = Effect.ALLOW, Actions = actions, Resources = resources });
}
