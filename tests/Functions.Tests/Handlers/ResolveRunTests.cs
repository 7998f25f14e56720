using System.Text.Json;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class ResolveRunTests
{
    // 2026-02-13 10:00 in Seoul: the daily schedule's firing time.
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly ResolveRun handler = new(PipelineSettings.PotholePipeline, Clock);

    [Fact]
    public void A_manual_date_is_expanded_into_every_stage()
    {
        var run = handler.Resolve("""{"date":"2026-02-12"}""");
        Assert.Equal("2026-02-12", run.BatchDate);
        Assert.Equal("raw-sensor-data/dt=2026-02-12/", run.InputPrefix);
        Assert.Equal(["stage1_anomaly_detection", "stage2_spatial_clustering"], run.StageNames);
        Assert.Equal(2, run.StageCount);
        Assert.Equal("stage2_spatial_clustering/dt=2026-02-12/", run.Stages[1].OutputPrefix);
        Assert.Contains("s3a://pothole-pipeline-data/stage1_anomaly_detected/dt=2026-02-12/", run.Stages[1].SparkSubmitArgv);
    }

    [Theory]
    [InlineData("2026-02-13T01:00:00Z", "2026-02-12")]
    [InlineData("2026-02-12T15:00:00Z", "2026-02-12")] // already 00:00 on the 13th in Seoul
    [InlineData("2026-02-12T14:59:59Z", "2026-02-11")]
    [InlineData("2026-02-01T01:00:00.123Z", "2026-01-31")]
    public void A_scheduled_run_processes_the_previous_day_in_the_configured_zone(string scheduledTime, string expected)
    {
        Assert.Equal(expected, handler.Resolve($$"""{"scheduledTime":"{{scheduledTime}}"}""").BatchDate);
    }

    [Fact]
    public void The_time_zone_comes_from_settings()
    {
        var utc = new ResolveRun(PipelineSettings.PotholePipeline with { TimeZone = "UTC" }, Clock);
        Assert.Equal("2026-02-11", utc.Resolve("""{"scheduledTime":"2026-02-12T15:00:00Z"}""").BatchDate);
    }

    [Theory]
    [InlineData("""{"date":"2026-02-30"}""", "date")]
    [InlineData("""{"date":"2026-2-12"}""", "date")]
    [InlineData("""{"date":" 2026-02-12"}""", "date")]
    [InlineData("""{"date":"2026-02-12; rm -rf /"}""", "date")]
    [InlineData("""{"date":"$(reboot)"}""", "date")]
    [InlineData("""{"date":"٢٠٢٦-٠٢-١٢"}""", "date")]
    [InlineData("""{"date":20260212}""", "date")]
    [InlineData("""{"date":null}""", "date")]
    [InlineData("""{"date":["2026-02-12"]}""", "date")]
    [InlineData("""{"date":"2026-11-26"}""", "date")] // after tomorrow
    [InlineData("""{"date":"1999-12-31"}""", "date")]
    [InlineData("""{"scheduledTime":"2026-02-13T10:00:00+09:00"}""", "scheduledTime")]
    [InlineData("""{"scheduledTime":"yesterday"}""", "scheduledTime")]
    [InlineData("""{"data":"2026-02-12"}""", "\"data\"")]
    [InlineData("""{"date":"2026-02-12","scheduledTime":"2026-02-13T01:00:00Z"}""", "input")]
    [InlineData("""{"date":"2026-02-12","date":"2026-02-11"}""", "input")]
    [InlineData("""{}""", "input")]
    [InlineData("""[]""", "input")]
    [InlineData("\"2026-02-12\"", "input")]
    [InlineData("""null""", "input")]
    [InlineData("""{"date":""", "input")]
    [InlineData("", "input")]
    public void Bad_input_fails_with_InvalidInput_naming_the_field(string json, string field)
    {
        var clock = FixedClock.At("2026-11-24T01:00:00Z");
        var e = Expect.Error(ErrorNames.InvalidInput, () => new ResolveRun(PipelineSettings.PotholePipeline, clock).Resolve(json));
        Assert.StartsWith(field + ":", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tomorrow_in_the_configured_zone_is_still_accepted()
    {
        // 2026-02-13 01:00 UTC is the 13th in Seoul: the 14th is tomorrow there.
        Assert.Equal("2026-02-14", handler.Resolve("""{"date":"2026-02-14"}""").BatchDate);
        Expect.Error(ErrorNames.InvalidInput, () => handler.Resolve("""{"date":"2026-02-15"}"""));
    }

    [Fact]
    public void Oversized_input_is_refused_before_parsing()
    {
        var json = $$"""{"date":"{{new string('9', 10_000)}}"}""";
        var e = Expect.Error(ErrorNames.InvalidInput, () => handler.Resolve(json));
        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_handler_answers_with_camel_case_json()
    {
        var json = await handler.InvokeAsync("""{"date":"2026-02-12"}""", CancellationToken.None);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("2026-02-12", document.RootElement.GetProperty("batchDate").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("stages").GetArrayLength());
    }
}
