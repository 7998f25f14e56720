using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// The whole pipeline in one stack: the data bucket (created or adopted by name), the network, the
/// Spark nodes and the serverless orchestration around them.
/// </summary>
public sealed class PipelineStack : Stack
{
    public PipelineStack(Construct scope, string id, AppSettings settings, IStackProps props)
        : base(scope, id, props)
    {
        var pipeline = settings.Pipeline;
        var deployment = settings.Deployment;
        // Event logs are for looking back at recent runs; without an expiry they pile up for ever.
        LifecycleRule[] eventLogExpiry = new BucketPrefixes(pipeline).EventLogFolder is { } eventLogs && deployment.SparkEventLogRetentionDays > 0
            ? [new LifecycleRule { Id = "ExpireSparkEventLogs", Prefix = eventLogs, Expiration = Duration.Days(deployment.SparkEventLogRetentionDays) }]
            : [];
        Bucket = deployment.CreateBucket
            ? new Bucket(this, "DataBucket", new BucketProps
            {
                BucketName = pipeline.Bucket,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                Encryption = BucketEncryption.S3_MANAGED,
                EnforceSSL = true,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                // An overwritten or deleted object (input, stage output, code) can be recovered for
                // a while; old versions then expire so reruns do not pile up storage.
                Versioned = true,
                LifecycleRules =
                [
                    new LifecycleRule
                    {
                        Id = "ExpireOldVersions",
                        NoncurrentVersionExpiration = Duration.Days(deployment.NoncurrentVersionRetentionDays),
                        ExpiredObjectDeleteMarker = true,
                        AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                    },
                    .. eventLogExpiry,
                ],
                // The pipeline's input and results outlive any deployment of it.
                RemovalPolicy = RemovalPolicy.RETAIN,
            })
            : Amazon.CDK.AWS.S3.Bucket.FromBucketName(this, "DataBucket", pipeline.Bucket);

        StageCode = new StageCodeDeployment(this, "StageCode", settings, Bucket);
        Network = new Network(this, "Network", settings.Deployment);
        Cluster = new SparkCluster(this, "Cluster", settings, Network, Bucket);
        Orchestration = new Orchestration(this, "Orchestration", settings, Bucket, Cluster);

        var machineArn = Orchestration.Pipeline.StateMachine.StateMachineArn;
        _ = new CfnOutput(this, "StateMachineArn", new CfnOutputProps { Value = machineArn, Description = "The pipeline state machine" });
        _ = new CfnOutput(this, "DataBucketName", new CfnOutputProps { Value = Bucket.BucketName, Description = "Input, stage code and stage outputs" });
        _ = new CfnOutput(this, "ManualRun", new CfnOutputProps
        {
            Description = "Run one batch date by hand; an execution name is accepted once, so add a suffix to re-run a date",
            Value = $"aws stepfunctions start-execution --state-machine-arn {machineArn} --name manual-YYYY-MM-DD --input '{{\"date\":\"YYYY-MM-DD\"}}'",
        });
        _ = new CfnOutput(this, "ManualRunConsole", new CfnOutputProps
        {
            Description = "Or in the console: Start execution with input {\"date\":\"YYYY-MM-DD\"}",
            Value = $"https://{Aws.REGION}.console.aws.amazon.com/states/home?region={Aws.REGION}#/statemachines/view/{machineArn}",
        });
        var backfillArn = Orchestration.Backfill.StateMachine.StateMachineArn;
        _ = new CfnOutput(this, "BackfillStateMachineArn", new CfnOutputProps
        {
            Value = backfillArn,
            Description = "Backfill over a date range, and the daily launch (the schedule starts it with {\"scheduledTime\"})",
        });
        _ = new CfnOutput(this, "Backfill", new CfnOutputProps
        {
            Description = "Backfill a range, oldest date first, one at a time; mode missing (default), failed or all; at most 92 days",
            Value = $"aws stepfunctions start-execution --state-machine-arn {backfillArn} --input '{BackfillInputHint}'",
        });
        _ = new CfnOutput(this, "BackfillConsole", new CfnOutputProps
        {
            Description = $"Or in the console: Start execution with input {BackfillInputHint}",
            Value = $"https://{Aws.REGION}.console.aws.amazon.com/states/home?region={Aws.REGION}#/statemachines/view/{backfillArn}",
        });
        _ = new CfnOutput(this, "DashboardUrl", new CfnOutputProps
        {
            Description = "Recent runs, backfills, run times and function errors",
            Value = $"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}#dashboards/dashboard/{Orchestration.Dashboard.Dashboard.DashboardName}",
        });
        _ = new CfnOutput(this, "MasterInstanceId", new CfnOutputProps { Value = Cluster.Master.InstanceId, Description = "Target for SSM sessions and port forwarding to the Spark UIs" });
        _ = new CfnOutput(this, "MasterPrivateIp", new CfnOutputProps
        {
            Value = Cluster.Master.InstancePrivateIp,
            Description = "The Spark UIs listen on this address only: forward with AWS-StartPortForwardingSessionToRemoteHost and host=<this address>",
        });
        _ = new CfnOutput(this, "AlertTopicArn", new CfnOutputProps { Value = Orchestration.Alerts.Topic.TopicArn, Description = "Failed, timed-out and aborted runs, cleanups and backfills" });
    }

    /// <summary>The input a backfill takes, as the outputs show it.</summary>
    public const string BackfillInputHint = "{\"from\":\"YYYY-MM-DD\",\"to\":\"YYYY-MM-DD\",\"mode\":\"missing\"}";

    public IBucket Bucket { get; }

    public StageCodeDeployment StageCode { get; }

    public Network Network { get; }

    public SparkCluster Cluster { get; }

    public Orchestration Orchestration { get; }
}
