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
        var report = await Handler.HandleAsync(new DateInput("2026-02-12"), CancellationToken.None);
        Assert.Equal(2, report.ObjectCount);
        Assert.Equal("raw-sensor-data/dt=2026-02-12/trip-1.parquet", report.FirstKey);
        Assert.Equal("pothole-pipeline-data", report.Bucket);
    }

    [Fact]
    public async Task Fails_with_InputMissing_when_the_prefix_is_empty()
    {
        store.Put("raw-sensor-data/dt=2026-02-11/trip-1.parquet").Put("raw-sensor-data/dt=2026-02-12/");
        var e = await Expect.Error(ErrorNames.InputMissing, () => Handler.HandleAsync(new DateInput("2026-02-12"), CancellationToken.None));
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
}
