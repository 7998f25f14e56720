namespace Pipeline.Functions.Domain;

/// <summary>
/// Everything a run needs to know about the pipeline and its cluster. Deployed as JSON in the
/// PIPELINE_SETTINGS environment variable (written by the CDK app from cdk.json); with none set,
/// <see cref="PotholePipeline"/> applies. Validated by <see cref="SettingsValidator"/> both at synth
/// time and when a function starts.
/// </summary>
public sealed record PipelineSettings
{
    /// <summary>Value of the SparkCluster tag on every node of this cluster; also the lock key.</summary>
    public string ClusterName { get; init; } = "pothole-spark";

    public string Bucket { get; init; } = "pothole-pipeline-data";

    /// <summary>Template of the day's input prefix; {ds} and {ds_nodash} are filled with the batch date.</summary>
    public string InputPrefix { get; init; } = "raw-sensor-data/dt={ds}/";

    /// <summary>Where the stage code lives in the bucket; the nodes sync it before they run anything.</summary>
    public string CodePrefix { get; init; } = "code/";

    /// <summary>IANA zone in which "yesterday" is computed for scheduled runs.</summary>
    public string TimeZone { get; init; } = "Asia/Seoul";

    public int WorkerCount { get; init; } = 2;

    public string SparkHome { get; init; } = "/opt/spark";

    /// <summary>Directory on the nodes the code prefix is synced into.</summary>
    public string CodeDirectory { get; init; } = "/opt/pipeline/code";

    /// <summary>Unprivileged OS user Spark runs as (SSM commands themselves run as root).</summary>
    public string SparkUser { get; init; } = "spark";

    public string LockTable { get; init; } = "pothole-spark-lock";

    /// <summary>CloudWatch Logs group for command output; empty keeps output in SSM only.</summary>
    public string CommandLogGroup { get; init; } = "";

    /// <summary>Longest a run may take; a lock older than this is stale and may be taken over.</summary>
    public int MaxRunMinutes { get; init; } = 360;

    public int ClusterReadyTimeoutSeconds { get; init; } = 600;

    /// <summary>How long starting Spark may take, including waiting for every worker to register.</summary>
    public int SparkReadyTimeoutSeconds { get; init; } = 300;

    public PollSettings Poll { get; init; } = new();

    public SubmitSettings Submit { get; init; } = new();

    public IReadOnlyList<StageSpec> Stages { get; init; } = PotholeStages;

    public static PipelineSettings PotholePipeline => new();

    private static readonly StageSpec[] PotholeStages =
    [
        new()
        {
            Name = "stage1_anomaly_detection",
            Script = "stage1_anomaly_detection.py",
            PyFiles = ["pothole_common.py"],
            Args = ["--input", "s3a://{bucket}/raw-sensor-data/dt={ds}/", "--output", "s3a://{bucket}/stage1_anomaly_detected/dt={ds}/", "--date", "{ds}"],
            OutputPrefix = "stage1_anomaly_detected/dt={ds}/",
            TimeoutMinutes = 60,
        },
        new()
        {
            Name = "stage2_spatial_clustering",
            Script = "stage2_spatial_clustering.py",
            PyFiles = ["pothole_common.py"],
            Args = ["--input", "s3a://{bucket}/stage1_anomaly_detected/dt={ds}/", "--output", "s3a://{bucket}/stage2_spatial_clustering/dt={ds}/", "--date", "{ds}"],
            OutputPrefix = "stage2_spatial_clustering/dt={ds}/",
            TimeoutMinutes = 60,
        },
    ];
}

/// <summary>Adaptive polling: first look after <see cref="InitialSeconds"/>, then back off up to <see cref="MaxSeconds"/>.</summary>
public sealed record PollSettings
{
    public int InitialSeconds { get; init; } = 15;

    public int MaxSeconds { get; init; } = 120;
}

/// <summary>spark-submit options shared by every stage (client mode on the master, as the original DAG ran).</summary>
public sealed record SubmitSettings
{
    public string ExecutorMemory { get; init; } = "4g";

    public int ExecutorCores { get; init; } = 2;

    public int TotalExecutorCores { get; init; } = 4;

    public IReadOnlyDictionary<string, string> Conf { get; init; } = new Dictionary<string, string>
    {
        ["spark.sql.adaptive.enabled"] = "true",
        ["spark.hadoop.fs.s3a.aws.credentials.provider"] = "com.amazonaws.auth.InstanceProfileCredentialsProvider",
        ["spark.hadoop.fs.s3a.endpoint.region"] = "ap-northeast-2",
    };
}

/// <summary>One spark-submit stage of the pipeline: data, not code, so adding a stage is a settings change.</summary>
public sealed record StageSpec
{
    public string Name { get; init; } = "";

    /// <summary>Path of the driver script relative to the code prefix.</summary>
    public string Script { get; init; } = "";

    public IReadOnlyList<string> PyFiles { get; init; } = [];

    /// <summary>Arguments after the script; {ds}, {ds_nodash} and {bucket} are filled per run.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Prefix the stage writes; must contain {ds} or {ds_nodash} so each day has its own output.</summary>
    public string OutputPrefix { get; init; } = "";

    public int TimeoutMinutes { get; init; } = 60;
}
