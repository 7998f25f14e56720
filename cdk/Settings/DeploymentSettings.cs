namespace Pipeline.Cdk.Settings;

/// <summary>
/// Infrastructure-only settings: where and with what the pipeline is deployed. They never reach the
/// Lambda code (that gets <c>PipelineSettings</c>), so they live in their own context object,
/// <c>deployment</c> in cdk.json. Read and checked by <see cref="DeploymentReader"/>.
/// </summary>
public sealed record DeploymentSettings
{
    /// <summary>12-digit account id, or empty to deploy to the account of the CLI's credentials.</summary>
    public required string Account { get; init; }

    public required string Region { get; init; }

    /// <summary>All nodes share one zone: Spark traffic between them stays free of cross-zone charges.</summary>
    public required string AvailabilityZone { get; init; }

    public required string StackName { get; init; }

    /// <summary>True: the stack creates (and retains) the data bucket. False: the bucket named in pipeline.bucket must exist.</summary>
    public required bool CreateBucket { get; init; }

    public required string VpcCidr { get; init; }

    /// <summary>False (default, no hourly NAT charge): nodes sit in a public subnet with a public address and no inbound rule.</summary>
    public required bool NatGateway { get; init; }

    public required string MasterInstanceType { get; init; }

    public required string WorkerInstanceType { get; init; }

    public required int RootVolumeGiB { get; init; }

    /// <summary>
    /// Pinned AMI id, or empty for Amazon Linux 2023 as recorded in cdk.context.json by a synth with
    /// credentials (<c>./pipeline synth --record-ami</c>). Either way the AMI is fixed at synth: a
    /// newer image published by AWS never replaces the nodes on an unrelated deploy.
    /// </summary>
    public required string AmiId { get; init; }

    /// <summary>
    /// How long CloudFormation waits for a node's set-up to signal success (its CreationPolicy):
    /// Java, Spark and the S3A jars come from the internet on the first boot.
    /// </summary>
    public required int NodeSetupTimeoutMinutes { get; init; }

    /// <summary>KMS key of the nodes' root volumes; empty for the AWS-managed key (aws/ebs).</summary>
    public required string EbsKmsKeyArn { get; init; }

    /// <summary>Days Spark event logs (the spark-events/ folder) are kept in the bucket; 0 keeps them.</summary>
    public required int SparkEventLogRetentionDays { get; init; }

    /// <summary>Days an overwritten or deleted object stays recoverable (old versions of the versioned bucket).</summary>
    public required int NoncurrentVersionRetentionDays { get; init; }

    /// <summary>Hours a worker keeps a finished application's work directory (spark.worker.cleanup.appDataTtl).</summary>
    public required int WorkerAppDataRetentionHours { get; init; }

    public required string SparkVersion { get; init; }

    /// <summary>https:// or s3:// address of the Spark distribution; {version} is replaced. "&lt;url&gt;.sha512" must exist beside it.</summary>
    public required string SparkDownloadUrl { get; init; }

    /// <summary>pip requirement specifiers installed on every node for the stage scripts.</summary>
    public required IReadOnlyList<string> PythonPackages { get; init; }

    /// <summary>Stop each node once its first-boot set-up is done, so a fresh deploy does not leave idle nodes running.</summary>
    public required bool StopNodesAfterSetup { get; init; }

    /// <summary>EventBridge Scheduler cron; evaluated in pipeline.timeZone, the zone the batch date is computed in.</summary>
    public required string ScheduleCron { get; init; }

    public required bool ScheduleEnabled { get; init; }

    /// <summary>
    /// Minutes between runs of the Sweep function (stops nodes no run holds, releases stale locks);
    /// 0 for no sweeper. Independent of <see cref="ScheduleEnabled"/>: manual runs leave nodes behind too.
    /// </summary>
    public required int SweepMinutes { get; init; }

    /// <summary>E-mail for failed, timed-out and aborted runs; empty for none (the topic still exists).</summary>
    public required string AlertEmail { get; init; }

    public required int LogRetentionDays { get; init; }

    public required int FunctionMemoryMiB { get; init; }
}
