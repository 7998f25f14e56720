using CsCheck;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Domain;

public sealed class SparkCommandsTests
{
    private static readonly BatchDate Date = new(new DateOnly(2026, 2, 12));

    // bash functions shadow the real programs, so the script runs as written and shows the argv it would exec.
    private const string Stand_ins = "cd() { :; }\nrunuser() { shift 3; printf '%s\\0' \"$@\"; }\n";

    [Fact]
    public void The_submit_line_carries_the_stage_script_py_files_and_expanded_arguments()
    {
        var settings = PipelineSettings.PotholePipeline;
        var plan = SparkCommands.PlanStage(settings, settings.Stages[0], Date, "10.0.1.10");
        var argv = plan.SparkSubmitArgv;
        Assert.Equal("/opt/spark/bin/spark-submit", argv[0]);
        Assert.Equal("spark://10.0.1.10:7077", argv[argv.ToList().IndexOf("--master") + 1]);
        Assert.Equal("/opt/pipeline/code/pothole_common.py", argv[argv.ToList().IndexOf("--py-files") + 1]);
        Assert.Contains("spark.eventLog.dir=s3a://pothole-pipeline-data/spark-events/", argv);
        Assert.Contains("/opt/pipeline/code/stage1_anomaly_detection.py", argv);
        Assert.Contains("s3a://pothole-pipeline-data/raw-sensor-data/dt=2026-02-12/", argv);
        Assert.Equal("stage1_anomaly_detected/dt=2026-02-12/", plan.OutputPrefix);
        Assert.Equal(3600, plan.TimeoutSeconds);
    }

    [Fact]
    public void The_submit_script_hands_spark_submit_exactly_the_planned_argv_whatever_the_arguments()
    {
        var argument = Gen.Char[" '\"`$();|&*?\\\n!#ab{}"].Array[0, 16].Select(c => new string(c));
        argument.Array[0, 5].Sample(args =>
        {
            var stage = PipelineSettings.PotholePipeline.Stages[0] with { Args = args };
            var settings = PipelineSettings.PotholePipeline with { Stages = [stage] };
            var plan = SparkCommands.PlanStage(settings, stage, Date, "10.0.1.10");
            var script = SparkCommands.SubmitScript(settings, plan, Date).Replace("/var/lock/", Path.GetTempPath(), StringComparison.Ordinal);
            var (exit, stdout, stderr) = Bash.Run(Stand_ins + "flock() { :; }\n" + script);
            Assert.True(exit == 0, stderr);
            Assert.Equal(plan.SparkSubmitArgv, Bash.Words(stdout));
        }, iter: 300);
    }

    [Fact]
    public void Duplicate_submissions_of_a_stage_and_date_queue_on_one_lock_file()
    {
        var settings = PipelineSettings.PotholePipeline;
        var plan = SparkCommands.PlanStage(settings, settings.Stages[0], Date, "10.0.1.10");
        var script = SparkCommands.SubmitScript(settings, plan, Date);
        Assert.Contains("export STAGE_LOCK='/var/lock/pothole-spark-stage1_anomaly_detection-2026-02-12.lock'", script, StringComparison.Ordinal);
        Assert.True(script.IndexOf("flock 9", StringComparison.Ordinal) < script.IndexOf("spark-submit", StringComparison.Ordinal));
    }

    [Fact]
    public void The_worker_script_points_the_worker_at_the_master()
    {
        var script = SparkCommands.StartWorkerScript(PipelineSettings.PotholePipeline, "10.0.1.10");
        var (exit, stdout, stderr) = Bash.Run("pgrep() { return 1; }\n" + Stand_ins + script);
        Assert.True(exit == 0, stderr);
        Assert.Equal(["/opt/spark/sbin/start-worker.sh", "spark://10.0.1.10:7077"], Bash.Words(stdout));
    }

    [Fact]
    public void The_worker_script_does_not_start_a_second_worker()
    {
        var script = SparkCommands.StartWorkerScript(PipelineSettings.PotholePipeline, "10.0.1.10");
        var (exit, stdout, _) = Bash.Run("pgrep() { return 0; }\n" + Stand_ins + script);
        Assert.Equal(0, exit);
        Assert.Equal("spark worker already running\n", stdout);
    }

    [Fact]
    public void The_master_script_syncs_code_starts_the_master_and_waits_for_every_worker()
    {
        var script = SparkCommands.StartMasterScript(PipelineSettings.PotholePipeline with { WorkerCount = 3, SparkReadyTimeoutSeconds = 30 }, "10.0.1.10");
        var polled = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString());
        // Stand-ins: the master's UI reports 1, then 3 alive workers (curl runs in a pipeline subshell, so a file remembers the first poll).
        var fakes = "pgrep() { return 1; }\nmkdir() { :; }\nchown() { :; }\nsleep() { SECONDS=$((SECONDS+5)); }\n"
            + "aws() { printf 'aws %s\\n' \"$*\"; }\nrunuser() { shift 3; printf 'start %s\\n' \"$*\"; }\n"
            + $"curl() {{ if [ -e '{polled}' ]; then echo '{{\"aliveworkers\": 3}}'; else : > '{polled}'; echo '{{\"aliveworkers\": 1}}'; fi; }}\n";
        var (exit, stdout, stderr) = Bash.Run(fakes + script);
        File.Delete(polled);
        Assert.True(exit == 0, stderr);
        Assert.Contains("aws s3 sync s3://pothole-pipeline-data/code/ /opt/pipeline/code --delete --only-show-errors", stdout, StringComparison.Ordinal);
        Assert.Contains("start /opt/spark/sbin/start-master.sh --host 10.0.1.10", stdout, StringComparison.Ordinal);
        Assert.EndsWith("spark master up with 3 alive workers\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_master_script_fails_when_workers_do_not_register_in_time()
    {
        var settings = PipelineSettings.PotholePipeline with { SparkReadyTimeoutSeconds = 30 };
        const string fakes = "pgrep() { return 0; }\nmkdir() { :; }\nchown() { :; }\naws() { :; }\n"
            + "sleep() { SECONDS=$((SECONDS+10)); }\ncurl() { echo '{\"aliveworkers\": 1}'; }\n";
        var (exit, _, stderr) = Bash.Run(fakes + SparkCommands.StartMasterScript(settings, "10.0.1.10"));
        Assert.Equal(1, exit);
        Assert.Contains("only 1 of 2 spark workers alive after 30 s", stderr, StringComparison.Ordinal);
    }

    // Spark refuses to start an application whose event-log directory is missing and never creates it;
    // a lifecycle expiry or a person may remove what the deploy made.
    [Theory]
    [InlineData("0", true)]
    [InlineData("1", false)]
    public void The_master_script_creates_the_event_log_directory_only_when_nothing_is_there(string listed, bool created)
    {
        var fakes = "pgrep() { return 0; }\nmkdir() { :; }\nchown() { :; }\nsleep() { :; }\ncurl() { echo '{\"aliveworkers\": 2}'; }\n"
            + $"aws() {{ case \"$*\" in *list-objects-v2*) echo {listed} ;; *put-object*) printf 'put %s\\n' \"$*\" >&2 ;; esac; }}\n";

        var (exit, stdout, stderr) = Bash.Run(fakes + SparkCommands.StartMasterScript(PipelineSettings.PotholePipeline, "10.0.1.10"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(created, stderr.Contains("put s3api put-object --bucket pothole-pipeline-data --key spark-events/\n", StringComparison.Ordinal));
        Assert.Equal(created, stdout.Contains("created Spark's event-log directory s3://pothole-pipeline-data/spark-events/", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_event_logging_the_master_script_asks_nothing_about_it()
    {
        var conf = new Dictionary<string, string>(PipelineSettings.PotholePipeline.Submit.Conf) { ["spark.eventLog.enabled"] = "false" };
        var settings = PipelineSettings.PotholePipeline with { Submit = PipelineSettings.PotholePipeline.Submit with { Conf = conf } };

        Assert.DoesNotContain("s3api", SparkCommands.StartMasterScript(settings, "10.0.1.10"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_stop_script_stops_both_daemons_as_the_spark_user()
    {
        var (exit, stdout, _) = Bash.Run("runuser() { printf '%s ' \"$@\"; echo; }\n" + SparkCommands.StopScript(PipelineSettings.PotholePipeline));
        Assert.Equal(0, exit);
        Assert.Equal("-u spark -- /opt/spark/sbin/stop-worker.sh \n-u spark -- /opt/spark/sbin/stop-master.sh \n", stdout);
    }
}
