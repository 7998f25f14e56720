using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class SweepTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T05:00:00Z");
    private readonly InMemoryRunLock runLock = new();

    private Sweep Handler(FakeFleet fleet) => new(PipelineSettings.PotholePipeline, clock, fleet, runLock);

    [Fact]
    public async Task Running_nodes_that_no_run_holds_are_stopped_and_the_lock_left_free()
    {
        var fleet = FakeFleet.Cluster("running");
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("stopped-forgotten-nodes", result.Action);
        Assert.Equal(3, result.Stopped.Count);
        Assert.All(fleet.Nodes, n => Assert.True(n.IsStoppedOrStopping));
        Assert.Empty(runLock.Held);
    }

    [Fact]
    public async Task A_run_holding_a_fresh_lock_keeps_its_nodes()
    {
        var fleet = FakeFleet.Cluster("running");
        runLock.Held["pothole-spark"] = new LockHolder("2026-02-12", clock.Now.AddMinutes(-30));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal(("run-in-progress", "2026-02-12"), (result.Action, result.HeldBy));
        Assert.All(fleet.Nodes, n => Assert.Equal("running", n.State));
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stale_lock_is_released_and_its_nodes_stopped()
    {
        var fleet = FakeFleet.Cluster("running");
        runLock.Held["pothole-spark"] = new LockHolder("2026-02-11", clock.Now.AddMinutes(-PipelineSettings.PotholePipeline.MaxRunMinutes - 1));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("2026-02-11", result.ReleasedStaleLockOf);
        Assert.Equal(3, result.Stopped.Count);
        Assert.Empty(runLock.Held);
    }

    [Fact]
    public async Task A_stale_lock_without_running_nodes_is_released()
    {
        var fleet = FakeFleet.Cluster("stopped");
        runLock.Held["pothole-spark"] = new LockHolder("2026-02-11", clock.Now.AddDays(-2));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("released-stale-lock", result.Action);
        Assert.Empty(runLock.Held);
    }

    [Fact]
    public async Task An_idle_cluster_is_left_alone_without_touching_the_lock()
    {
        var fleet = FakeFleet.Cluster("stopped");
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("idle", result.Action);
        Assert.Equal(["find pothole-spark"], fleet.Calls);
    }
}
