using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class CheckInputTests
{
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryObjectStore store = new();

    private CheckInput Handler => new(PipelineSettings.PotholePipeline, Clock, store);

    [Fact]
    public async Task Passes_when_the_day_has_input()
    {
        store.Put("raw-sensor-data/dt=2026-02-12/trip-1.parquet").Put("raw-sensor-data/dt=2026-02-12/trip-2.parquet");
        var report = await Handler.HandleAsync(new CheckInputInput("2026-02-12", null), CancellationToken.None);
        Assert.Equal(2, report.ObjectCount);
        Assert.Equal("raw-sensor-data/dt=2026-02-12/trip-1.parquet", report.FirstKey);
        Assert.Equal("pothole-pipeline-data", report.Bucket);
    }

    [Fact]
    public async Task Fails_with_InputMissing_when_the_prefix_is_empty()
    {
        store.Put("raw-sensor-data/dt=2026-02-11/trip-1.parquet").Put("raw-sensor-data/dt=2026-02-12/");
        var e = await Expect.Error(ErrorNames.InputMissing, () => Handler.HandleAsync(new CheckInputInput("2026-02-12", null), CancellationToken.None));
        Assert.Contains("s3://pothole-pipeline-data/raw-sensor-data/dt=2026-02-12/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_date_fails_before_s3_is_asked()
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync("""{"batchDate":"../../etc"}""", CancellationToken.None));
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync("""{"batchDate":12}""", CancellationToken.None));
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync("""{}""", CancellationToken.None));
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync("""[1]""", CancellationToken.None));
        Assert.Empty(store.Listings);
    }

    [Fact]
    public async Task In_sensor_mode_an_empty_prefix_means_look_again_until_the_deadline()
    {
        var clock = FixedClock.At("2026-02-13T01:00:00Z");
        var settings = PipelineSettings.PotholePipeline with { InputWait = new InputWaitSettings { TimeoutSeconds = 3600, PollSeconds = 300 } };
        var handler = new CheckInput(settings, clock, store);
        var waiting = await handler.HandleAsync(new CheckInputInput("2026-02-12", "2026-02-13T02:00:00Z"), CancellationToken.None);
        Assert.False(waiting.Ready);
        Assert.Equal(300, waiting.WaitSeconds);

        clock.Advance(TimeSpan.FromMinutes(58));
        var last = await handler.HandleAsync(new CheckInputInput("2026-02-12", "2026-02-13T02:00:00Z"), CancellationToken.None);
        Assert.Equal(120, last.WaitSeconds);

        store.Put("raw-sensor-data/dt=2026-02-12/late.parquet");
        Assert.True((await handler.HandleAsync(new CheckInputInput("2026-02-12", "2026-02-13T02:00:00Z"), CancellationToken.None)).Ready);
    }

    [Fact]
    public async Task In_sensor_mode_the_deadline_ends_the_wait_with_InputMissing()
    {
        var clock = FixedClock.At("2026-02-13T02:00:01Z");
        var handler = new CheckInput(PipelineSettings.PotholePipeline, clock, store);
        var e = await Expect.Error(ErrorNames.InputMissing, () => handler.HandleAsync(new CheckInputInput("2026-02-12", "2026-02-13T02:00:00Z"), CancellationToken.None));
        Assert.Contains("the end of the wait", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveRun_sets_the_wait_deadline_only_in_sensor_mode()
    {
        var clock = FixedClock.At("2026-02-13T01:00:00Z");
        var sensor = PipelineSettings.PotholePipeline with { InputWait = new InputWaitSettings { TimeoutSeconds = 7200 } };
        Assert.Null(new ResolveRun(PipelineSettings.PotholePipeline, clock).Resolve("""{"date":"2026-02-12"}""").InputWaitDeadline);
        Assert.Equal("2026-02-13T03:00:00.0000000+00:00", new ResolveRun(sensor, clock).Resolve("""{"date":"2026-02-12"}""").InputWaitDeadline);
    }
}
