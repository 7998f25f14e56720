namespace Pipeline.Functions.Domain;

/// <summary>
/// Everything a run needs to know about the pipeline and its cluster. Deployed as JSON in the
/// PIPELINE_SETTINGS environment variable (written by the CDK app from cdk.json); with none set,
/// <see cref="PotholePipeline"/> applies. Validated by <see cref="SettingsValidator"/> both at synth
/// time and when a function starts.
/// Properties have setters rather than init so the source-generated reader keeps the defaults of
/// settings a file leaves out (it passes nothing for absent init-only members in this version).
/// </summary>
public sealed record PipelineSettings
{
    /// <summary>Value of the SparkCluster tag on every node of this cluster; also the lock key.</summary>
    public string ClusterName { get; set; } = "pothole-spark";

    public string Bucket { get; set; } = "pothole-pipeline-data";

    /// <summary>Template of the day's input prefix; {ds} and {ds_nodash} are filled with the batch date.</summary>
    public string InputPrefix { get; set; } = "raw-sensor-data/dt={ds}/";

    /// <summary>Where the stage code lives in the bucket; the nodes sync it before they run anything.</summary>
    public string CodePrefix { get; set; } = "code/";

    /// <summary>IANA zone in which "yesterday" is computed for scheduled runs.</summary>
    public string TimeZone { get; set; } = "Asia/Seoul";

    public int WorkerCount { get; set; } = 2;

    public string SparkHome { get; set; } = "/opt/spark";

    /// <summary>Directory on the nodes the code prefix is synced into.</summary>
    public string CodeDirectory { get; set; } = "/opt/pipeline/code";

    /// <summary>Unprivileged OS user Spark runs as (SSM commands themselves run as root).</summary>
    public string SparkUser { get; set; } = "spark";

    /// <summary>Directory on the master for the per-stage lock files that serialise duplicate submissions.</summary>
    public string LockDirectory { get; set; } = "/var/lock";

    public string LockTable { get; set; } = "pothole-spark-lock";

    /// <summary>CloudWatch Logs group for command output; empty keeps output in SSM only.</summary>
    public string CommandLogGroup { get; set; } = "";

    /// <summary>
    /// Longest a run may take (the pipeline execution's timeout). The validator refuses settings whose
    /// own deadlines, used in full, add up to more (see <see cref="RunBudget"/>).
    /// </summary>
    public int MaxRunMinutes { get; set; } = 360;

    /// <summary>
    /// How long the lock stays a run's without being renewed. A live run renews it at every step and
    /// status poll; a holder silent for longer is dead, and the sweeper or the next run may take over.
    /// </summary>
    public int LockLeaseSeconds { get; set; } = 900;

    /// <summary>
    /// Each Lambda function's timeout. Every Task's TimeoutSeconds is set from it at synth, so Step
    /// Functions never retries a task whose first attempt may still be running.
    /// </summary>
    public int FunctionTimeoutSeconds { get; set; } = 60;

    /// <summary>List price of the whole cluster per hour (master + workers), for the run record's cost estimate.</summary>
    public double ClusterHourlyUsd { get; set; } = 0.26;

    public int ClusterReadyTimeoutSeconds { get; set; } = 600;

    /// <summary>How long starting Spark may take, including waiting for every worker to register.</summary>
    public int SparkReadyTimeoutSeconds { get; set; } = 300;

    public PollSettings Poll { get; set; } = new();

    /// <summary>Sensor mode for CheckInput, like Airflow's S3KeySensor in reschedule mode.</summary>
    public InputWaitSettings InputWait { get; set; } = new();

    public SubmitSettings Submit { get; set; } = new();

    public IReadOnlyList<StageSpec> Stages { get; set; } = PotholeStages;

    public static PipelineSettings PotholePipeline => new();

    private static readonly StageSpec[] PotholeStages =
    [
        new()
        {
            Name = "stage1_anomaly_detection",
            Script = "stage1_anomaly_detection.py",
            PyFiles = ["pothole_common.py"],
            Args = ["--batch-date", "{ds}", "--input", "s3a://{bucket}/raw-sensor-data/dt={ds}/", "--output", "s3a://{bucket}/stage1_anomaly_detected/dt={ds}/"],
            OutputPrefix = "stage1_anomaly_detected/dt={ds}/",
            TimeoutMinutes = 60,
            ExpectedMinutes = 15,
        },
        new()
        {
            Name = "stage2_spatial_clustering",
            Script = "stage2_spatial_clustering.py",
            PyFiles = ["pothole_common.py"],
            Args =
            [
                "--batch-date", "{ds}", "--input", "s3a://{bucket}/stage1_anomaly_detected/dt={ds}/",
                "--output", "s3a://{bucket}/stage2_spatial_clustering/dt={ds}/", "--roads", "s3a://{bucket}/code/reference/road_segments.csv",
            ],
            OutputPrefix = "stage2_spatial_clustering/dt={ds}/",
            TimeoutMinutes = 60,
            ExpectedMinutes = 15,
        },
    ];
}

/// <summary>Adaptive polling: first look after <see cref="InitialSeconds"/>, then back off up to <see cref="MaxSeconds"/>.</summary>
public sealed record PollSettings
{
    public int InitialSeconds { get; set; } = 15;

    public int MaxSeconds { get; set; } = 120;
}

/// <summary>
/// How long a run waits for its input to appear before failing with Pipeline.InputMissing. The wait
/// happens before the lock is taken and before any node starts, so it holds no cluster.
/// TimeoutSeconds 0 = do not wait: no input is an immediate failure.
/// </summary>
public sealed record InputWaitSettings
{
    public int TimeoutSeconds { get; set; }

    public int PollSeconds { get; set; } = 300;
}

/// <summary>spark-submit options shared by every stage (client mode on the master, as the original DAG ran).</summary>
public sealed record SubmitSettings
{
    public string ExecutorMemory { get; set; } = "4g";

    public int ExecutorCores { get; set; } = 2;

    public int TotalExecutorCores { get; set; } = 4;

    public IReadOnlyDictionary<string, string> Conf { get; set; } = new Dictionary<string, string>
    {
        ["spark.sql.adaptive.enabled"] = "true",
        ["spark.hadoop.fs.s3a.aws.credentials.provider"] = "com.amazonaws.auth.InstanceProfileCredentialsProvider",
        ["spark.hadoop.fs.s3a.endpoint.region"] = "ap-northeast-2",

        // Event logs outlive the cluster: a Spark History Server can read them after the nodes stop.
        ["spark.eventLog.enabled"] = "true",
        ["spark.eventLog.dir"] = "s3a://{bucket}/spark-events/",
    };
}

/// <summary>
/// One step of the pipeline: data, not code, so adding a step is a settings change. A "spark" step
/// runs spark-submit on the master; a "command" step runs a shell command on the running nodes
/// tagged SparkCluster=clusterName and SparkRole=targetRole (e.g. a serving host that loads the
/// day's results into PostgreSQL), with the same polling, time limit, failure and verification rules.
/// </summary>
public sealed record StageSpec
{
    public const string SparkKind = "spark";
    public const string CommandKind = "command";

    public string Name { get; set; } = "";

    /// <summary>"spark" (default) or "command".</summary>
    public string Kind { get; set; } = SparkKind;

    /// <summary>For a command step: the program and its arguments; {ds}, {ds_nodash} and {bucket} are filled per run.</summary>
    public IReadOnlyList<string> Command { get; set; } = [];

    /// <summary>For a command step: the SparkRole tag value of the nodes it runs on.</summary>
    public string TargetRole { get; set; } = NodeTags.MasterRole;

    /// <summary>Path of the driver script relative to the code prefix.</summary>
    public string Script { get; set; } = "";

    public IReadOnlyList<string> PyFiles { get; set; } = [];

    /// <summary>Arguments after the script; {ds}, {ds_nodash} and {bucket} are filled per run.</summary>
    public IReadOnlyList<string> Args { get; set; } = [];

    /// <summary>Prefix the stage writes; must contain {ds} or {ds_nodash} so each day has its own output.</summary>
    public string OutputPrefix { get; set; } = "";

    public int TimeoutMinutes { get; set; } = 60;

    /// <summary>
    /// How long the stage usually runs; the first status check comes then, and later ones back off
    /// from the poll settings. 0 = unknown: check after poll.initialSeconds.
    /// </summary>
    public int ExpectedMinutes { get; set; }
}
