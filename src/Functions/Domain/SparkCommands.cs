using System.Globalization;

namespace Pipeline.Functions.Domain;

/// <summary>A stage made concrete for one batch date: where it reads and writes, and what spark-submit gets.</summary>
public sealed record StagePlan(string Name, string OutputPrefix, int TimeoutSeconds, IReadOnlyList<string> SparkSubmitArgv);

/// <summary>
/// The scripts the nodes run, built only through <see cref="ShellScript"/>. Spark Standalone as the
/// original set-up ran it: client-mode spark-submit on the master, workers started against the
/// master's private address, Spark processes owned by an unprivileged user.
/// </summary>
public static class SparkCommands
{
    public const int MasterPort = 7077;
    public const int MasterUiPort = 8080;

    /// <summary>Stands in for the master address where it is not known yet (a plan made before the cluster runs).</summary>
    public const string MasterAddressToBeResolved = "{master}";

    public static string MasterUrl(string masterAddress) => $"spark://{masterAddress}:{MasterPort}";

    public static StagePlan PlanStage(PipelineSettings settings, StageSpec stage, BatchDate date, string masterAddress)
    {
        if (stage.Kind == StageSpec.CommandKind)
        {
            return new StagePlan(
                stage.Name,
                Template.Expand(stage.OutputPrefix, date, settings.Bucket),
                stage.TimeoutMinutes * 60,
                stage.Command.Select(a => Template.Expand(a, date, settings.Bucket)).ToList());
        }

        var code = settings.CodeDirectory.TrimEnd('/');
        var argv = new List<string>
        {
            $"{settings.SparkHome.TrimEnd('/')}/bin/spark-submit",
            "--master", MasterUrl(masterAddress),
            "--deploy-mode", "client",
            "--name", $"{settings.ClusterName}-{stage.Name}-{date.Ds}",
            "--executor-memory", settings.Submit.ExecutorMemory,
            "--executor-cores", settings.Submit.ExecutorCores.ToString(CultureInfo.InvariantCulture),
            "--total-executor-cores", settings.Submit.TotalExecutorCores.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings.Submit.Conf)
        {
            argv.Add("--conf");
            argv.Add($"{key}={Template.Expand(value, date, settings.Bucket)}");
        }

        if (stage.PyFiles.Count > 0)
        {
            argv.Add("--py-files");
            argv.Add(string.Join(',', stage.PyFiles.Select(f => $"{code}/{f}")));
        }

        argv.Add($"{code}/{stage.Script}");
        argv.AddRange(stage.Args.Select(a => Template.Expand(a, date, settings.Bucket)));
        return new StagePlan(stage.Name, Template.Expand(stage.OutputPrefix, date, settings.Bucket), stage.TimeoutMinutes * 60, argv);
    }

    /// <summary>
    /// spark-submit for one stage and date. A lock file per stage and date serialises duplicates: if a
    /// retried SubmitStage sends the command twice, the copies run one after the other, never
    /// writing the same output prefix at the same time.
    /// </summary>
    public static string SubmitScript(PipelineSettings settings, StagePlan plan, BatchDate date) =>
        ShellScript.Strict()
            .Export("STAGE_LOCK", $"{settings.LockDirectory.TrimEnd('/')}/{settings.ClusterName}-{plan.Name}-{date.Ds}.lock")
            .Command("cd", settings.CodeDirectory)
            .Fixed("exec 9>\"$STAGE_LOCK\"")
            .Fixed("flock 9")
            .Command(["runuser", "-u", settings.SparkUser, "--", .. plan.SparkSubmitArgv])
            .Build();

    /// <summary>A command step: its command, serialised per stage and date like a Spark stage, run by the SSM agent.</summary>
    public static string CommandStepScript(PipelineSettings settings, StagePlan plan, BatchDate date) =>
        ShellScript.Strict()
            .Export("STAGE_LOCK", $"{settings.LockDirectory.TrimEnd('/')}/{settings.ClusterName}-{plan.Name}-{date.Ds}.lock")
            .Fixed("exec 9>\"$STAGE_LOCK\"")
            .Fixed("flock 9")
            .Command(plan.SparkSubmitArgv)
            .Build();

    /// <summary>
    /// Syncs the stage code, makes sure Spark's event-log directory exists (a lifecycle expiry or a
    /// person may have removed what the deploy created, and every application would then fail at
    /// start), starts the master (unless it runs) and waits until every worker has registered.
    /// </summary>
    public static string StartMasterScript(PipelineSettings settings, string masterAddress) =>
        EnsureEventLogDirectory(ShellScript.Strict(), settings)
            .Export("SPARK_HOME", settings.SparkHome)
            .Export("SPARK_MASTER_HOST", masterAddress)
            .Export("EXPECTED_WORKERS", settings.WorkerCount.ToString(CultureInfo.InvariantCulture))
            .Export("READY_SECONDS", settings.SparkReadyTimeoutSeconds.ToString(CultureInfo.InvariantCulture))
            .Command("mkdir", "-p", settings.CodeDirectory)
            .Command("aws", "s3", "sync", $"s3://{settings.Bucket}/{settings.CodePrefix}", settings.CodeDirectory, "--delete", "--only-show-errors")
            .Command("chown", "-R", settings.SparkUser, settings.CodeDirectory)
            .Fixed("if pgrep -f org.apache.spark.deploy.master.Master >/dev/null; then echo 'spark master already running'; else")
            .Command(["runuser", "-u", settings.SparkUser, "--", $"{settings.SparkHome.TrimEnd('/')}/sbin/start-master.sh", "--host", masterAddress])
            .Fixed("fi")
            .Fixed("deadline=$((SECONDS + READY_SECONDS)); alive=0")
            .Fixed($"until alive=$(curl -fsS \"http://$SPARK_MASTER_HOST:{MasterUiPort}/json/\" | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"aliveworkers\"])') && [ \"$alive\" -ge \"$EXPECTED_WORKERS\" ]; do")
            .Fixed("  if [ \"$SECONDS\" -ge \"$deadline\" ]; then echo \"only ${alive:-0} of $EXPECTED_WORKERS spark workers alive after $READY_SECONDS s\" >&2; exit 1; fi")
            .Fixed("  sleep 5")
            .Fixed("done")
            .Fixed("echo \"spark master up with $alive alive workers\"")
            .Build();

    private static ShellScript EnsureEventLogDirectory(ShellScript script, PipelineSettings settings) =>
        SparkEventLog.FolderInBucket(settings) is not { } folder
            ? script
            : script
                .Export("EVENT_LOG_BUCKET", settings.Bucket)
                .Export("EVENT_LOG_PREFIX", folder)
                // In S3A terms a directory exists when anything lies under "prefix/"; the empty marker is what S3A's mkdirs writes.
                .Fixed("if [ \"$(aws s3api list-objects-v2 --bucket \"$EVENT_LOG_BUCKET\" --prefix \"$EVENT_LOG_PREFIX\" --max-items 1 --query 'length(Contents || `[]`)' --output text)\" = 0 ]; then")
                .Fixed("  aws s3api put-object --bucket \"$EVENT_LOG_BUCKET\" --key \"$EVENT_LOG_PREFIX\" >/dev/null")
                .Fixed("  echo \"created Spark's event-log directory s3://$EVENT_LOG_BUCKET/$EVENT_LOG_PREFIX\"")
                .Fixed("fi");

    public static string StartWorkerScript(PipelineSettings settings, string masterAddress) =>
        ShellScript.Strict()
            .Fixed("if pgrep -f org.apache.spark.deploy.worker.Worker >/dev/null; then echo 'spark worker already running'; else")
            .Command(["runuser", "-u", settings.SparkUser, "--", $"{settings.SparkHome.TrimEnd('/')}/sbin/start-worker.sh", MasterUrl(masterAddress)])
            .Fixed("fi")
            .Build();

    /// <summary>Stops whichever Spark daemons run on a node; the stop scripts do nothing when none runs.</summary>
    public static string StopScript(PipelineSettings settings) =>
        ShellScript.Strict()
            .Command(["runuser", "-u", settings.SparkUser, "--", $"{settings.SparkHome.TrimEnd('/')}/sbin/stop-worker.sh"])
            .Command(["runuser", "-u", settings.SparkUser, "--", $"{settings.SparkHome.TrimEnd('/')}/sbin/stop-master.sh"])
            .Build();
}
