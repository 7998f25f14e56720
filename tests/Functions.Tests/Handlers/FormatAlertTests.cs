using System.Text.Json.Nodes;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;

namespace Pipeline.Functions.Tests.Handlers;

/// <summary>The alert e-mail, from EventBridge status-change events as they arrive (samples in AlertSamples/).</summary>
public sealed class FormatAlertTests
{
    private static readonly FormatAlert Formatter = new(PipelineSettings.PotholePipeline);

    private static JsonObject Sample(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Handlers", "AlertSamples", name + ".json")))!.AsObject();

    private static string[] Lines(RunAlert alert) => alert.Message.Split('\n');

    [Fact]
    public void A_failed_run_says_pipeline_date_execution_status_state_error_and_cause_in_its_first_lines()
    {
        var alert = Formatter.Format(Sample("pipeline-failed"));

        Assert.Equal("[pothole-spark] run FAILED 2026-02-12: Pipeline.CommandFailed in StageStatus", alert.Subject);
        var lines = Lines(alert);
        Assert.Equal("Pipeline: pothole-spark (pothole-spark-pipeline)", lines[0]);
        Assert.Equal("Batch date: 2026-02-12", lines[1]);
        Assert.Equal("Execution: 2026-02-12", lines[2]);
        Assert.Equal("Status: FAILED", lines[3]);
        Assert.Equal("Failed state: StageStatus", lines[4]);
        Assert.Equal("Error: Pipeline.CommandFailed", lines[5]);
        Assert.StartsWith("Cause: stage stage2_spatial_clustering: command 6f1c0d7e-aaaa-bbbb-cccc-1234567890ab on i-0abc123def4567890 ended Failed with exit code 1; stderr (last lines): Traceback", lines[6], StringComparison.Ordinal);
        Assert.Equal(
            "Console: https://ap-northeast-2.console.aws.amazon.com/states/home?region=ap-northeast-2#/v2/executions/details/arn:aws:states:ap-northeast-2:123456789012:execution:pothole-spark-pipeline:2026-02-12",
            lines[7]);
        Assert.Equal("Log group: /aws/vendedlogs/states/pothole-spark-pipeline", lines[8]);
    }

    /// <summary>The Lambda error report is JSON with a stack trace: the person gets its message, on one line, cut.</summary>
    [Fact]
    public void The_cause_is_the_error_message_on_one_line_and_trimmed()
    {
        var cause = Lines(Formatter.Format(Sample("pipeline-failed")))[6]["Cause: ".Length..];

        Assert.Equal(FormatAlert.CauseLimit, cause.Length);
        Assert.EndsWith("...", cause, StringComparison.Ordinal);
        Assert.DoesNotContain("errorType", cause, StringComparison.Ordinal);
        Assert.DoesNotContain("  ", cause, StringComparison.Ordinal);
    }

    /// <summary>A transient error retried earlier in another state, and a best-effort cleanup failing later, are not the culprit.</summary>
    [Fact]
    public void The_failed_state_is_where_the_execution_s_own_error_first_happened()
    {
        var events = Sample("pipeline-failed")["history"]!["events"]!.AsArray();

        Assert.Equal("StageStatus", FormatAlert.FailedState(events, "Pipeline.CommandFailed"));
        Assert.Equal("StageStatus", FormatAlert.FailedState(events, "Pipeline.AwsTransient"));
    }

    [Fact]
    public void An_aborted_run_names_the_state_it_was_stopped_in_and_its_date_from_the_input()
    {
        var alert = Formatter.Format(Sample("pipeline-aborted"));

        Assert.Equal("[pothole-spark] run ABORTED 2026-02-11 in WaitForSpark", alert.Subject);
        Assert.Equal("Batch date: 2026-02-11", Lines(alert)[1]);
        Assert.Equal("Failed state: WaitForSpark", Lines(alert)[4]);
        Assert.StartsWith("Error: none", Lines(alert)[5], StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_cleanup_names_the_run_it_cleaned_and_warns_that_nodes_may_run_even_without_history()
    {
        var alert = Formatter.Format(Sample("cleanup-failed"));

        Assert.Equal("[pothole-spark] cleanup FAILED 2026-02-12: Aws.UnauthorizedOperation", alert.Subject);
        Assert.Equal("Failed state: unknown (the execution history could not be read)", Lines(alert)[4]);
        Assert.Contains("The Spark nodes may still be running", alert.Message, StringComparison.Ordinal);
        Assert.Contains("History not read: Sfn.AccessDeniedException", alert.Message, StringComparison.Ordinal);
        Assert.Equal("Log group: /aws/vendedlogs/states/pothole-spark-cleanup", Lines(alert)[8]);
    }

    [Fact]
    public void A_backfill_names_its_range_and_the_fail_state_it_ended_in()
    {
        var alert = Formatter.Format(Sample("backfill-failed"));

        Assert.Equal("[pothole-spark] backfill FAILED 2026-02-01..2026-02-12: Pipeline.BackfillIncomplete in Incomplete", alert.Subject);
        Assert.Equal("Cause: 2 of 12 dates failed: 2026-02-03 (Pipeline.InputMissing), 2026-02-09 (Pipeline.CommandFailed)", Lines(alert)[6]);
    }

    /// <summary>The daily launch fired at 10:00 Seoul on the 13th: the batch date is the 12th, as ResolveRun computes it.</summary>
    [Fact]
    public void A_timed_out_daily_launch_names_the_schedule_s_batch_date()
    {
        var alert = Formatter.Format(Sample("backfill-timed-out"));

        Assert.Equal("[pothole-spark] backfill TIMED_OUT 2026-02-12: States.Timeout", alert.Subject);
        Assert.Equal("Failed state: none recorded", Lines(alert)[4]);
    }

    [Theory]
    [InlineData("pipeline-failed")]
    [InlineData("pipeline-aborted")]
    [InlineData("cleanup-failed")]
    [InlineData("backfill-failed")]
    [InlineData("backfill-timed-out")]
    public async Task Every_sample_becomes_one_subject_SNS_accepts_and_one_message(string sample)
    {
        var output = JsonNode.Parse(await Formatter.InvokeAsync(Sample(sample).ToJsonString(), CancellationToken.None))!.AsObject();

        Assert.Equal(["message", "subject"], output.Select(p => p.Key).Order(StringComparer.Ordinal));
        var subject = output["subject"]!.GetValue<string>();
        Assert.InRange(subject.Length, 1, FormatAlert.SubjectLimit);
        Assert.All(subject, c => Assert.InRange(c, ' ', '~'));
        Assert.StartsWith("Pipeline: pothole-spark", output["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_subject_is_cut_to_SNS_s_limit_and_non_ASCII_replaced()
    {
        var subject = FormatAlert.Subject("[pothole-spark] run FAILED 2026-02-12: Pipeline.CommandFailed in 단계 " + new string('x', 200));

        Assert.Equal(FormatAlert.SubjectLimit, subject.Length);
        Assert.Contains("in ?? x", subject, StringComparison.Ordinal);
        Assert.EndsWith("...", subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{}")]
    [InlineData("""{"detail":{"status":"FAILED"}}""")]
    public async Task Input_that_is_not_a_status_change_event_is_InvalidInput(string input)
    {
        var e = await Assert.ThrowsAsync<PipelineException>(() => Formatter.InvokeAsync(input, CancellationToken.None));

        Assert.Equal(ErrorNames.InvalidInput, e.ErrorName);
    }
}
