using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class StartClusterTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();


    [Fact]
    public async Task Starts_every_stopped_node_and_sets_a_ready_deadline()
    {
        var fleet = FakeFleet.Cluster("stopped");
        var result = await new StartCluster(PipelineSettings.PotholePipeline, clock, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Equal(3, result.Started.Count);
        Assert.All(fleet.Nodes, n => Assert.Equal("pending", n.State));
        Assert.Equal("2026-02-13T01:10:00.0000000+00:00", result.ReadyDeadline);
    }

    [Fact]
    public async Task Running_nodes_are_left_alone_so_a_retry_is_harmless()
    {
        var fleet = FakeFleet.Cluster("running");
        fleet.SetState(fleet.WorkerIds[1], "stopped");
        var result = await new StartCluster(PipelineSettings.PotholePipeline, clock, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Equal([fleet.WorkerIds[1]], result.Started);
        Assert.Equal(2, result.AlreadyRunning.Count);
        Assert.Equal(["find pothole-spark", $"start {fleet.WorkerIds[1]}"], fleet.Calls);
    }

    [Fact]
    public async Task Nothing_to_start_makes_no_start_call()
    {
        var fleet = FakeFleet.Cluster("running");
        await new StartCluster(PipelineSettings.PotholePipeline, clock, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_worker_is_NodesMissing_and_nothing_starts()
    {
        var fleet = FakeFleet.Cluster("stopped", workers: 1);
        var e = await Expect.Error(ErrorNames.NodesMissing, () => new StartCluster(PipelineSettings.PotholePipeline, clock, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None));
        Assert.Contains("expected 1 master and 2 workers", e.Message, StringComparison.Ordinal);
        Assert.Equal(["find pothole-spark"], fleet.Calls);
    }
}

public sealed class ClusterStatusTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeFleet fleet = FakeFleet.Cluster("running");
    private readonly FakeCommandRunner runner = new();
    private const string Deadline = "2026-02-13T01:10:00.0000000+00:00";

    private ClusterStatus Handler => new(PipelineSettings.PotholePipeline, clock, fleet, runner, held.Lock);

    [Fact]
    public async Task Ready_when_every_node_runs_and_its_agent_is_online()
    {
        runner.Online.UnionWith(fleet.Nodes.Select(n => n.InstanceId));
        var status = await Handler.HandleAsync(new ClusterStatusInput(Deadline, 0, held.Ref), CancellationToken.None);
        Assert.True(status.Ready);
        Assert.Equal("10.0.1.10", status.MasterAddress);
    }

    [Fact]
    public async Task Not_ready_while_an_agent_is_offline_and_the_wait_grows()
    {
        runner.Online.Add(fleet.MasterId);
        var first = await Handler.HandleAsync(new ClusterStatusInput(Deadline, 0, held.Ref), CancellationToken.None);
        var later = await Handler.HandleAsync(new ClusterStatusInput(Deadline, first.Attempt, held.Ref), CancellationToken.None);
        Assert.False(first.Ready);
        Assert.Null(first.MasterAddress);
        Assert.Equal(2, first.Nodes.Count(n => n.Reachable == false));
        Assert.True(later.WaitSeconds > first.WaitSeconds);
    }

    [Fact]
    public async Task Past_the_deadline_it_fails_with_ClusterStartTimeout_naming_the_laggards()
    {
        fleet.SetState(fleet.WorkerIds[0], "pending");
        runner.Online.Add(fleet.MasterId);
        clock.Advance(TimeSpan.FromMinutes(11));
        var e = await Expect.Error(ErrorNames.ClusterStartTimeout, () => Handler.HandleAsync(new ClusterStatusInput(Deadline, 5, held.Ref), CancellationToken.None));
        Assert.Contains($"{fleet.WorkerIds[0]} (worker) pending", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{fleet.WorkerIds[1]} (worker) running but its SSM agent is not online", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_was_still_stopping_is_started_once_stopped()
    {
        fleet.SetState(fleet.WorkerIds[0], "stopped");
        var status = await Handler.HandleAsync(new ClusterStatusInput(Deadline, 0, held.Ref), CancellationToken.None);
        Assert.False(status.Ready);
        Assert.Contains($"start {fleet.WorkerIds[0]}", fleet.Calls);
    }

    [Fact]
    public async Task A_malformed_deadline_is_InvalidInput()
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.HandleAsync(new ClusterStatusInput("soon", 0, held.Ref), CancellationToken.None));
        Assert.Empty(fleet.Calls);
    }
    [Fact]
    public async Task A_node_that_fell_back_to_stopped_after_its_start_fails_the_run_at_once_naming_it_and_why()
    {
        fleet.Nodes[2] = fleet.Nodes[2] with { State = "stopped", StateReason = "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state" };
        var e = await Expect.Error(ErrorNames.NodeStartFailed, () => Handler.HandleAsync(new ClusterStatusInput(Deadline, 0, held.Ref), CancellationToken.None));
        Assert.Contains($"{fleet.Nodes[2].InstanceId} (worker) went back to stopped after it was started: Client.InvalidKMSKey.InvalidState", e.Message, StringComparison.Ordinal);
        Assert.Contains("deployment.ebsKmsKeyArn", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("start", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Client.UserInitiatedShutdown: User initiated shutdown")]
    [InlineData("Client.InstanceInitiatedShutdown: Instance initiated shutdown")]
    public async Task A_node_stopped_on_request_is_simply_started(string reason)
    {
        fleet.Nodes[2] = fleet.Nodes[2] with { State = "stopped", StateReason = reason };
        var status = await Handler.HandleAsync(new ClusterStatusInput(Deadline, 0, held.Ref), CancellationToken.None);
        Assert.False(status.Ready);
        Assert.Contains(fleet.Calls, c => c == "start " + fleet.Nodes[2].InstanceId);
    }
}

public sealed class StopClusterTests
{
    private readonly HeldLock held = Locks.Held();

    [Fact]
    public async Task Stops_every_node_that_is_not_stopped()
    {
        var fleet = FakeFleet.Cluster("running");
        fleet.SetState(fleet.WorkerIds[0], "stopped");
        var result = await new StopCluster(PipelineSettings.PotholePipeline, TimeProvider.System, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Equal(2, result.Stopping.Count);
        Assert.Equal([fleet.WorkerIds[0]], result.AlreadyStopped);
        Assert.All(fleet.Nodes, n => Assert.True(n.IsStoppedOrStopping));
    }

    [Fact]
    public async Task With_nothing_running_it_does_nothing_and_does_not_fail()
    {
        var fleet = FakeFleet.Cluster("stopped");
        var result = await new StopCluster(PipelineSettings.PotholePipeline, TimeProvider.System, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Empty(result.Stopping);
        Assert.Equal(["find pothole-spark"], fleet.Calls);
    }

    [Fact]
    public async Task An_incomplete_cluster_is_still_stopped()
    {
        var fleet = FakeFleet.Cluster("running", workers: 1);
        var result = await new StopCluster(PipelineSettings.PotholePipeline, TimeProvider.System, fleet, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Equal(2, result.Stopping.Count);
    }
}
