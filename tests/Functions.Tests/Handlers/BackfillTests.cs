using System.Text.Json.Nodes;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class PlanBackfillTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryObjectStore store = new();

    private PlanBackfill Handler => new(PipelineSettings.PotholePipeline, clock, store);

    private void Complete(string date) =>
        store.Put($"stage2_spatial_clustering/dt={date}/_SUCCESS", 0).Put($"stage2_spatial_clustering/dt={date}/part-0.parquet");

    [Fact]
    public async Task Missing_runs_the_dates_whose_last_stage_is_incomplete_oldest_first()
    {
        Complete("2026-02-11");
        store.Put("stage2_spatial_clustering/dt=2026-02-12/part-0.parquet"); // data without _SUCCESS: not complete
        var plan = await Handler.PlanAsync("""{"from":"2026-02-10","to":"2026-02-12","mode":"missing"}""", CancellationToken.None);
        Assert.Equal([("2026-02-10", "run"), ("2026-02-11", "skip"), ("2026-02-12", "run")], plan.Dates.Select(d => (d.Date, d.Action)));
        Assert.Equal(2, plan.ToRun);
        Assert.All(plan.Dates, d => Assert.Equal($"{d.Date}-bf-{plan.BackfillId}", d.ExecutionName));
    }

    [Fact]
    public async Task Failed_runs_the_dates_whose_latest_record_failed()
    {
        var record = new RecordRun(PipelineSettings.PotholePipeline, clock, store);
        await record.HandleAsync(new RecordRunInput("a", "2026-02-10", "FAILED", null, null, null, null), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        await record.HandleAsync(new RecordRunInput("b", "2026-02-10", "SUCCEEDED", null, null, null, null), CancellationToken.None);
        await record.HandleAsync(new RecordRunInput("c", "2026-02-11", "FAILED", null, null, null, null), CancellationToken.None);
        var plan = await Handler.PlanAsync("""{"from":"2026-02-10","to":"2026-02-12","mode":"failed"}""", CancellationToken.None);
        Assert.Equal(["skip", "run", "skip"], plan.Dates.Select(d => d.Action));
        Assert.Equal(["the latest run succeeded", "the latest run failed", "no run recorded"], plan.Dates.Select(d => d.Reason));
    }

    [Fact]
    public async Task The_daily_launch_runs_yesterday_named_exactly_after_it()
    {
        var plan = await Handler.PlanAsync("""{"scheduledTime":"2026-02-13T01:00:00Z"}""", CancellationToken.None);
        var date = Assert.Single(plan.Dates);
        Assert.Equal(("2026-02-12", "run", "2026-02-12"), (date.Date, date.Action, date.ExecutionName));
    }

    [Theory]
    [InlineData("""{"from":"2026-02-12","to":"2026-02-10"}""", "to:")]
    [InlineData("""{"from":"2025-10-01","to":"2026-02-10"}""", "to:")]
    [InlineData("""{"from":"2026-02-10","to":"2026-03-10"}""", "to:")]
    [InlineData("""{"from":"2026-02-10","to":"2026-02-12","mode":"everything"}""", "mode:")]
    [InlineData("""{"from":"2026-02-10"}""", "to:")]
    [InlineData("""{"to":"2026-02-10"}""", "from:")]
    [InlineData("""{"from":"2026-02-10","to":"2026-02-12","days":3}""", "\"days\":")]
    [InlineData("""{"from":20260210,"to":"2026-02-12"}""", "from:")]
    [InlineData("""{"scheduledTime":"2026-02-13T01:00:00Z","mode":"all"}""", "input:")]
    [InlineData("""[]""", "input:")]
    public async Task Bad_ranges_and_fields_are_InvalidInput_before_s3_is_asked(string json, string field)
    {
        var e = await Expect.Error(ErrorNames.InvalidInput, () => Handler.PlanAsync(json, CancellationToken.None));
        Assert.StartsWith(field, e.Message, StringComparison.Ordinal);
        Assert.Empty(store.Listings);
    }
}

public sealed class RecordRunTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T02:00:00Z");
    private readonly InMemoryObjectStore store = new();

    [Fact]
    public async Task The_record_holds_outcome_error_timings_stage_outputs_and_a_cost_estimate()
    {
        store.Put("stage1_anomaly_detected/dt=2026-02-12/_SUCCESS", 0).Put("stage1_anomaly_detected/dt=2026-02-12/part-0.parquet");
        var error = JsonNode.Parse("""{"Error":"Pipeline.CommandFailed","Cause":"stage2 exit code 1"}""");
        var key = await new RecordRun(PipelineSettings.PotholePipeline, clock, store).HandleAsync(
            new RecordRunInput("2026-02-12", "2026-02-12", "FAILED", "2026-02-13T01:00:00Z", "2026-02-13T01:30:00Z", error, null), CancellationToken.None);
        Assert.Equal("runs/dt=2026-02-12/20260213T020000Z_2026-02-12.json", key.Key);
        var record = JsonNode.Parse((await store.ReadTextAsync("b", key.Key, CancellationToken.None))!)!;
        Assert.Equal("FAILED", record["status"]!.GetValue<string>());
        Assert.Equal("Pipeline.CommandFailed", record["error"]!["Error"]!.GetValue<string>());
        Assert.Equal(3600, record["durationSeconds"]!.GetValue<double>());
        Assert.Equal(1800, record["clusterSeconds"]!.GetValue<double>());
        Assert.Equal(0.13, record["estimatedClusterCostUsd"]!.GetValue<double>());
        Assert.True(record["stages"]![0]!["complete"]!.GetValue<bool>());
        Assert.False(record["stages"]![1]!["complete"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Only_succeeded_or_failed_can_be_recorded()
    {
        await Expect.Error(ErrorNames.InvalidInput, () => new RecordRun(PipelineSettings.PotholePipeline, clock, store).HandleAsync(
            new RecordRunInput("x", "2026-02-12", "RUNNING", null, null, null, null), CancellationToken.None));
    }
}
