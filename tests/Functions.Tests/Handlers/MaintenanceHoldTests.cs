using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class MaintenanceHoldTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryRunLock runLock = new();
    private static readonly PipelineSettings Settings = PipelineSettings.PotholePipeline;

    [Fact]
    public async Task A_hold_keeps_runs_out_and_the_sweeper_away_for_days_until_it_is_released()
    {
        var message = await MaintenanceHold.HoldAsync(runLock, Settings, clock, "kim", "resizing the root volume", CancellationToken.None);
        Assert.Contains("held for maintenance by kim", message, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromDays(3));
        var busy = await Expect.Error(ErrorNames.ClusterBusy, () => new AcquireLock(Settings, clock, runLock).HandleAsync(new RunInput("2026-02-15"), CancellationToken.None));
        Assert.Contains("a maintenance hold by kim (resizing the root volume)", busy.Message, StringComparison.Ordinal);
        var fleet = FakeFleet.Cluster("running");
        var sweep = await new Sweep(Settings, clock, fleet, runLock).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("maintenance-hold", sweep.Action);
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("stop", StringComparison.Ordinal));

        await MaintenanceHold.ReleaseAsync(runLock, Settings, clock, CancellationToken.None);
        Assert.Equal("2026-02-15", (await new AcquireLock(Settings, clock, runLock).HandleAsync(new RunInput("2026-02-15"), CancellationToken.None)).RunId);
    }

    [Fact]
    public async Task A_hold_is_not_taken_from_a_live_run_and_release_never_frees_a_runs_lock()
    {
        runLock.Hold("pothole-spark", "2026-02-12", clock.Now, clock.Now.AddMinutes(15));
        await Expect.Error(ErrorNames.ClusterBusy, () => MaintenanceHold.HoldAsync(runLock, Settings, clock, "kim", "patching", CancellationToken.None));
        var e = await Expect.Error(ErrorNames.ClusterBusy, () => MaintenanceHold.ReleaseAsync(runLock, Settings, clock, CancellationToken.None));
        Assert.Contains("no maintenance hold", e.Message, StringComparison.Ordinal);
        Assert.Equal("2026-02-12", runLock["pothole-spark"]!.Holder);
    }

    [Theory]
    [InlineData("kim", "")]
    [InlineData("kim", "a\nb")]
    [InlineData("k i m", "patching")]
    [InlineData("$(id)", "patching")]
    public async Task A_bad_reason_or_name_is_refused_before_the_lock_is_touched(string who, string reason)
    {
        await Expect.Error(ErrorNames.InvalidInput, () => MaintenanceHold.HoldAsync(runLock, Settings, clock, who, reason, CancellationToken.None));
        Assert.Empty(runLock.Items);
    }
}
