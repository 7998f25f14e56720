using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

public sealed class BucketPrefixesTests
{
    private static readonly BucketPrefixes Prefixes = new(PipelineSettings.PotholePipeline);

    [Theory]
    [InlineData("raw-sensor-data/dt={ds}/", "raw-sensor-data/dt=*/*")]
    [InlineData("out/{ds_nodash}/part/", "out/*/part/*")]
    [InlineData("{bucket}/x/{ds}/", "pothole-pipeline-data/x/*/*")]
    public void A_listing_pattern_matches_any_day(string template, string pattern) => Assert.Equal(pattern, Prefixes.ListPattern(template));

    [Theory]
    [InlineData("stage1_anomaly_detected/dt={ds}/", "stage1_anomaly_detected/")]
    [InlineData("a/b/{ds}/", "a/b/")]
    [InlineData("{ds}/out/", "")]
    [InlineData("code/", "code/")]
    public void A_folder_is_the_fixed_part_before_the_first_placeholder(string template, string folder) => Assert.Equal(folder, Prefixes.Folder(template));

    [Fact]
    public void Nodes_read_code_input_and_stage_outputs()
    {
        Assert.Equal(["code/", "raw-sensor-data/", "stage1_anomaly_detected/", "stage2_spatial_clustering/"], Prefixes.NodeReadFolders);
    }

    [Fact]
    public void Nodes_write_only_stage_outputs()
    {
        Assert.Equal(["stage1_anomaly_detected/", "stage2_spatial_clustering/"], Prefixes.NodeWriteFolders);
    }

    [Fact]
    public void The_run_records_are_listed_and_written_under_runs()
    {
        Assert.Equal("runs/*", Prefixes.RunsListPattern);
    }

    [Fact]
    public void Backfill_inspects_the_last_stage_s_output()
    {
        Assert.Equal(["stage2_spatial_clustering/dt=*/*"], Prefixes.LastOutputListPatterns);
    }

    [Fact]
    public void A_step_without_an_output_prefix_adds_no_pattern_and_no_folder()
    {
        var prefixes = new BucketPrefixes(WithStages([.. PipelineSettings.PotholePipeline.Stages, CommandStep("")]));

        Assert.Equal(["stage1_anomaly_detected/dt=*/*", "stage2_spatial_clustering/dt=*/*"], prefixes.OutputListPatterns);
        Assert.Equal(["stage2_spatial_clustering/dt=*/*"], prefixes.LastOutputListPatterns);
        Assert.Equal(["stage1_anomaly_detected/", "stage2_spatial_clustering/"], prefixes.NodeWriteFolders);
    }

    [Fact]
    public void A_last_step_with_an_output_prefix_is_the_one_backfill_inspects()
    {
        var prefixes = new BucketPrefixes(WithStages([.. PipelineSettings.PotholePipeline.Stages, CommandStep("serving/loaded/dt={ds}/")]));

        Assert.Equal(["serving/loaded/dt=*/*"], prefixes.LastOutputListPatterns);
    }

    [Theory]
    [InlineData("true", "s3a://{bucket}/spark-events/", "spark-events/")]
    [InlineData("true", "s3a://{bucket}/spark-events", "spark-events/")]
    [InlineData("TRUE", "s3a://pothole-pipeline-data/history/spark/", "history/spark/")]
    [InlineData("true", "s3a://{bucket}/history/{ds}/", "history/")]
    [InlineData("false", "s3a://{bucket}/spark-events/", null)]
    [InlineData("true", "file:/tmp/spark-events", null)]
    [InlineData("true", "hdfs:///spark-events", null)]
    public void The_event_log_folder_comes_from_spark_eventLog_dir(string enabled, string dir, string? folder)
    {
        Assert.Equal(folder, new BucketPrefixes(WithEventLog(enabled, dir)).EventLogFolder);
    }

    [Theory]
    [InlineData("s3a://another-bucket/spark-events/", "the nodes may write only the data bucket")]
    [InlineData("s3a://{bucket}/", "not the bucket's root")]
    [InlineData("s3a://{bucket}", "not the bucket's root")]
    [InlineData("s3a://{bucket}/{ds}/", "not the bucket's root")]
    [InlineData("s3a://{bucket}/raw-sensor-data/", "overlaps pipeline.inputPrefix")]
    [InlineData("s3a://{bucket}/stage1_anomaly_detected/", "overlaps pipeline.stages[0].outputPrefix")]
    [InlineData("s3a://{bucket}/code/events/", "overlaps pipeline.codePrefix")]
    [InlineData("s3a://{bucket}/runs/", "overlaps the run records")]
    public void An_event_log_folder_the_nodes_should_not_write_is_a_problem(string dir, string expected)
    {
        var problems = new BucketPrefixes(WithEventLog("true", dir)).EventLogProblems().ToList();

        Assert.Contains(problems, p => p.StartsWith("pipeline.submit.conf[\"spark.eventLog.dir\"]: ", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_event_log_folder_is_no_problem()
    {
        Assert.Empty(Prefixes.EventLogProblems());
    }

    private static PipelineSettings WithStages(IReadOnlyList<StageSpec> stages) => PipelineSettings.PotholePipeline with { Stages = stages };

    private static PipelineSettings WithEventLog(string enabled, string dir) => PipelineSettings.PotholePipeline with
    {
        Submit = PipelineSettings.PotholePipeline.Submit with
        {
            Conf = new Dictionary<string, string>(PipelineSettings.PotholePipeline.Submit.Conf) { ["spark.eventLog.enabled"] = enabled, ["spark.eventLog.dir"] = dir },
        },
    };

    private static StageSpec CommandStep(string outputPrefix) => new()
    {
        Name = "load_serving_db",
        Kind = StageSpec.CommandKind,
        TargetRole = "serving",
        Command = ["/opt/serving/load-day.sh", "{ds}"],
        OutputPrefix = outputPrefix,
        TimeoutMinutes = 20,
    };
}
