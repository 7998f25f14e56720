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
    public async Task Running_nodes_that_no_run_holds_are_stopped_under_the_sweepers_own_token_and_the_lock_left_free()
    {
        var fleet = FakeFleet.Cluster("running");
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("stopped-forgotten-nodes", result.Action);
        Assert.Equal(3, result.Stopped.Count);
        Assert.All(fleet.Nodes, n => Assert.True(n.IsStoppedOrStopping));
        Assert.Equal((null, 1L), (runLock["pothole-spark"]!.Holder, runLock["pothole-spark"]!.Token));
    }

    [Fact]
    public async Task A_run_with_a_live_lease_keeps_its_nodes_however_old_its_lock()
    {
        var fleet = FakeFleet.Cluster("running");
        runLock.Hold("pothole-spark", "2026-02-12", clock.Now.AddHours(-10), clock.Now.AddMinutes(3));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal(("run-in-progress", "2026-02-12"), (result.Action, result.HeldBy));
        Assert.All(fleet.Nodes, n => Assert.Equal("running", n.State));
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_maintenance_hold_keeps_the_nodes_and_is_reported()
    {
        var fleet = FakeFleet.Cluster("running");
        runLock.Items["pothole-spark"] = new LockState(RunIds.MaintenancePrefix + "ops", HolderKind.Maintenance, 4, clock.Now.AddDays(-2), DateTimeOffset.MaxValue, null, "resizing the root volume");
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("maintenance-hold", result.Action);
        Assert.Contains("resizing the root volume", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_lease_nobody_renewed_is_freed_and_its_nodes_stopped()
    {
        var fleet = FakeFleet.Cluster("running");
        runLock.Hold("pothole-spark", "2026-02-11", clock.Now.AddMinutes(-40), clock.Now.AddMinutes(-1));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("2026-02-11", result.ReleasedStaleLockOf);
        Assert.Equal(3, result.Stopped.Count);
        Assert.Null(runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task An_abandoned_lock_is_taken_at_once_though_its_lease_is_live()
    {
        var fleet = FakeFleet.Cluster("running");
        var token = runLock.Hold("pothole-spark", "2026-02-11", clock.Now.AddMinutes(-5), clock.Now.AddMinutes(10));
        await runLock.AbandonAsync("pothole-spark", "2026-02-11", token, "StopInstances refused", CancellationToken.None);
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("stopped-forgotten-nodes", result.Action);
        Assert.Equal(token + 1, runLock["pothole-spark"]!.Token);
    }

    [Fact]
    public async Task A_stale_lock_without_running_nodes_is_freed()
    {
        var fleet = FakeFleet.Cluster("stopped");
        runLock.Hold("pothole-spark", "2026-02-11", clock.Now.AddDays(-2), clock.Now.AddDays(-2));
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("released-stale-lock", result.Action);
        Assert.Null(runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task A_node_still_in_its_first_boot_is_left_alone_until_its_set_up_grace_ends()
    {
        var fleet = FakeFleet.Cluster("running");
        var booting = fleet.Nodes[1] = fleet.Nodes[1] with { SetupComplete = false, LaunchedAt = clock.Now.AddMinutes(-5) };
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal([booting.InstanceId], result.SettingUp);
        Assert.DoesNotContain(booting.InstanceId, result.Stopped);
        Assert.Equal(2, result.Stopped.Count);

        clock.Advance(TimeSpan.FromMinutes(NodeTags.SetupGraceMinutes));
        fleet.Nodes[1] = booting;
        var later = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal([booting.InstanceId], later.Stopped);
    }

    [Fact]
    public async Task An_idle_cluster_is_left_alone_without_touching_the_lock()
    {
        var fleet = FakeFleet.Cluster("stopped");
        var result = await Handler(fleet).HandleAsync(new EmptyInput(), CancellationToken.None);
        Assert.Equal("idle", result.Action);
        Assert.Equal(["find pothole-spark"], fleet.Calls);
        Assert.Empty(runLock.Items);
    }
}
