using Pipeline.Functions.Domain;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Hosting;

public sealed class RunPlanTests
{
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");

    [Fact]
    public void The_plan_shows_the_exact_scripts_a_run_would_send()
    {
        var settings = PipelineSettings.PotholePipeline;
        var plan = RunPlan.Describe(settings, Clock, """{"date":"2026-02-12"}""");
        var stage = SparkCommands.PlanStage(settings, settings.Stages[1], new BatchDate(new DateOnly(2026, 2, 12)), "{master}");
        foreach (var line in SparkCommands.SubmitScript(settings, stage, new BatchDate(new DateOnly(2026, 2, 12))).TrimEnd('\n').Split('\n'))
        {
            Assert.Contains("| " + line + "\n", plan, StringComparison.Ordinal);
        }

        Assert.Contains("s3://pothole-pipeline-data/raw-sensor-data/dt=2026-02-12/", plan, StringComparison.Ordinal);
        Assert.Contains("1 master (SparkRole=master) and 2 worker(s)", plan, StringComparison.Ordinal);
        Assert.Contains("then verify: s3://pothole-pipeline-data/stage2_spatial_clustering/dt=2026-02-12/", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plan_follows_the_schedule_rule_for_a_scheduled_time()
    {
        var plan = RunPlan.Describe(PipelineSettings.PotholePipeline, Clock, """{"scheduledTime":"2026-02-13T01:00:00Z"}""");
        Assert.StartsWith("Plan for batch date 2026-02-12", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_date_gets_the_same_named_error_as_a_run()
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => RunPlan.Describe(PipelineSettings.PotholePipeline, Clock, """{"date":"2026-02-30"}"""));
        Assert.StartsWith("date:", e.Message, StringComparison.Ordinal);
    }
}
