using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

/// <summary>The launcher names itself in each child's input (so a second launch is a duplicate); the run ignores it but checks it.</summary>
public sealed class LaunchedRunTests
{
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly ResolveRun handler = new(PipelineSettings.PotholePipeline, Clock);

    [Fact]
    public void A_run_started_by_a_launcher_resolves_like_one_started_by_hand()
    {
        var launched = handler.Resolve("""{"date":"2026-02-12","launchedBy":"arn:aws:states:ap-northeast-2:123456789012:execution:pothole-spark-backfill:daily-1"}""");
        var byHand = handler.Resolve("""{"date":"2026-02-12"}""");

        Assert.Equal(byHand.BatchDate, launched.BatchDate);
        Assert.Equal(byHand.Stages.Select(s => s.SparkSubmitArgv), launched.Stages.Select(s => s.SparkSubmitArgv));
    }

    [Theory]
    [InlineData("daily-1")]
    [InlineData("arn:aws:states:ap-northeast-2:123456789012:stateMachine:pothole-spark-pipeline")]
    [InlineData("arn:aws:states:ap-northeast-2:123456789012:execution:m:x'; rm -rf /")]
    public void A_launcher_that_is_not_an_execution_ARN_is_InvalidInput_naming_the_field(string launcher)
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => handler.Resolve($$"""{"date":"2026-02-12","launchedBy":{{System.Text.Json.JsonSerializer.Serialize(launcher)}}}"""));

        Assert.StartsWith("launchedBy:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_launcher_alone_is_not_a_date()
    {
        Expect.Error(ErrorNames.InvalidInput, () => handler.Resolve("""{"launchedBy":"arn:aws:states:ap-northeast-2:123456789012:execution:m:daily-1"}"""));
    }
}
