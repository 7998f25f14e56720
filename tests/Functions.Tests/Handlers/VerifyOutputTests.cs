using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class VerifyOutputTests
{
    private const string Prefix = "stage1_anomaly_detected/dt=2026-02-12/";
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private static readonly StageInput Stage1 = new("2026-02-12", "stage1_anomaly_detection");
    private readonly InMemoryObjectStore store = new();

    private VerifyOutput Handler => new(PipelineSettings.PotholePipeline, Clock, store);

    [Fact]
    public async Task Passes_with_a_success_marker_and_data()
    {
        store.Put(Prefix + "_SUCCESS", 0).Put(Prefix + "part-00000.parquet").Put(Prefix + "part-00001.parquet");
        var report = await Handler.HandleAsync(Stage1, CancellationToken.None);
        Assert.Equal(2, report.ObjectCount);
        Assert.Equal(Prefix, report.Prefix);
    }

    [Fact]
    public async Task Fails_with_OutputMissing_without_the_marker()
    {
        store.Put(Prefix + "part-00000.parquet");
        var e = await Expect.Error(ErrorNames.OutputMissing, () => Handler.HandleAsync(Stage1, CancellationToken.None));
        Assert.Contains("no _SUCCESS marker", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_with_OutputMissing_when_only_bookkeeping_files_exist()
    {
        store.Put(Prefix + "_SUCCESS", 0).Put(Prefix + "_temporary/0/x").Put(Prefix + ".part-00000.crc").Put(Prefix + "sub/");
        var e = await Expect.Error(ErrorNames.OutputMissing, () => Handler.HandleAsync(Stage1, CancellationToken.None));
        Assert.Contains("no data object", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_days_output_does_not_count()
    {
        store.Put("stage1_anomaly_detected/dt=2026-02-11/_SUCCESS").Put("stage1_anomaly_detected/dt=2026-02-11/part-0.parquet");
        await Expect.Error(ErrorNames.OutputMissing, () => Handler.HandleAsync(Stage1, CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_stage_is_InvalidInput_listing_the_known_ones()
    {
        var e = await Expect.Error(ErrorNames.InvalidInput, () => Handler.HandleAsync(new StageInput("2026-02-12", "stage3"), CancellationToken.None));
        Assert.Contains("stage1_anomaly_detection, stage2_spatial_clustering", e.Message, StringComparison.Ordinal);
        Assert.Empty(store.Listings);
    }
}
