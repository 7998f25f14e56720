using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class StartSparkTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeFleet fleet = FakeFleet.Cluster("running");
    private readonly FakeCommandRunner runner = new();

    [Fact]
    public async Task Sends_the_master_script_to_the_master_and_the_worker_script_to_the_workers()
    {
        var settings = PipelineSettings.PotholePipeline with { CommandLogGroup = "/pothole-spark/commands" };
        var result = await new StartSpark(settings, clock, fleet, runner, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Equal(2, runner.Sent.Count);
        var (masterId, master) = runner.Sent[0];
        var (_, workers) = runner.Sent[1];
        Assert.Equal([fleet.MasterId], master.InstanceIds);
        Assert.Contains("start-master.sh' '--host' '10.0.1.10'", master.Script, StringComparison.Ordinal);
        Assert.Equal(fleet.WorkerIds, workers.InstanceIds);
        Assert.Contains("'spark://10.0.1.10:7077'", workers.Script, StringComparison.Ordinal);
        Assert.Equal("/pothole-spark/commands", master.LogGroup);
        Assert.Equal(["start-master", "start-workers"], result.Commands.Select(c => c.Purpose));
        Assert.Equal(masterId, result.Commands[0].CommandId);
    }

    [Fact]
    public async Task A_stopped_node_is_NodesMissing_and_nothing_is_sent()
    {
        fleet.SetState(fleet.WorkerIds[1], "stopped");
        var e = await Expect.Error(ErrorNames.NodesMissing, () => new StartSpark(PipelineSettings.PotholePipeline, clock, fleet, runner, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None));
        Assert.Contains(fleet.WorkerIds[1], e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Sent);
    }
}

public sealed class SubmitStageTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeFleet fleet = FakeFleet.Cluster("running");
    private readonly FakeCommandRunner runner = new();

    private SubmitStage Handler => new(PipelineSettings.PotholePipeline, clock, fleet, runner, held.Lock);

    [Fact]
    public async Task Sends_spark_submit_to_the_master_with_the_stage_timeout()
    {
        var result = await Handler.HandleAsync(new StageInput("2026-02-12", "stage2_spatial_clustering", held.Ref), CancellationToken.None);
        var (_, request) = Assert.Single(runner.Sent);
        Assert.Equal([fleet.MasterId], request.InstanceIds);
        Assert.Equal(3600, request.ExecutionTimeoutSeconds);
        Assert.Contains("'/opt/pipeline/code/stage2_spatial_clustering.py'", request.Script, StringComparison.Ordinal);
        Assert.Contains("'s3a://pothole-pipeline-data/stage2_spatial_clustering/dt=2026-02-12/'", request.Script, StringComparison.Ordinal);
        Assert.Equal("stage2_spatial_clustering", result.Commands[0].Purpose);
        Assert.Equal("2026-02-13T02:02:00.0000000+00:00", result.Deadline);
    }

    [Fact]
    public async Task The_first_check_comes_when_the_stage_usually_ends_if_the_lease_allows_that_long_a_wait()
    {
        var settings = PipelineSettings.PotholePipeline with { LockLeaseSeconds = 3600 };
        var result = await new SubmitStage(settings, clock, fleet, runner, held.Lock).HandleAsync(new StageInput("2026-02-12", "stage2_spatial_clustering", held.Ref), CancellationToken.None);
        Assert.Equal(15 * 60, result.WaitSeconds);
    }

    [Fact]
    public async Task The_first_check_never_waits_longer_than_the_lease_allows_between_renewals()
    {
        // A 900 s lease less one task at its worst (5 attempts of 65 s and 30 s of retry delays) and 60 s margin.
        var result = await Handler.HandleAsync(new StageInput("2026-02-12", "stage2_spatial_clustering", held.Ref), CancellationToken.None);
        Assert.Equal(900 - ((5 * 65) + 30) - 60, result.WaitSeconds);
    }

    [Fact]
    public async Task Without_an_expected_duration_the_first_check_comes_after_the_initial_poll()
    {
        var stage = PipelineSettings.PotholePipeline.Stages[0] with { ExpectedMinutes = 0 };
        var settings = PipelineSettings.PotholePipeline with { Stages = [stage] };
        var result = await new SubmitStage(settings, clock, fleet, runner, held.Lock).HandleAsync(new StageInput("2026-02-12", stage.Name, held.Ref), CancellationToken.None);
        Assert.Equal(settings.Poll.InitialSeconds, result.WaitSeconds);
    }

    [Theory]
    [InlineData("""{"batchDate":"2026-02-12","stage":"stage1_anomaly_detection; reboot"}""")]
    [InlineData("""{"batchDate":"2026-02-12"}""")]
    [InlineData("""{"batchDate":"2026-02-12'","stage":"stage1_anomaly_detection"}""")]
    [InlineData("""{"stage":"stage1_anomaly_detection"}""")]
    public async Task Bad_input_is_refused_before_any_node_is_touched(string json)
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync(json, CancellationToken.None));
        Assert.Empty(fleet.Calls);
        Assert.Empty(runner.Sent);
    }

    [Fact]
    public async Task A_stopped_master_is_NodesMissing()
    {
        fleet.SetState(fleet.MasterId, "stopped");
        await Expect.Error(ErrorNames.NodesMissing, () => Handler.HandleAsync(new StageInput("2026-02-12", "stage1_anomaly_detection", held.Ref), CancellationToken.None));
        Assert.Empty(runner.Sent);
    }
}

public sealed class CommandStatusTests
{
    private const string CommandId = "8a3f1c2e-0000-4000-8000-000000000001";
    private const string Deadline = "2026-02-13T02:00:00.0000000+00:00";
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeCommandRunner runner = new();
    private static readonly CommandRef Command = new(CommandId, ["i-0000000000000000a", "i-000000000000000b0"], "start-workers");

    private CommandStatus Handler => new(PipelineSettings.PotholePipeline, clock, runner, held.Lock);

    [Fact]
    public async Task Succeeded_only_when_every_invocation_succeeded()
    {
        runner.Set(CommandId, "i-0000000000000000a", CommandState.Succeeded, 0);
        runner.Set(CommandId, "i-000000000000000b0", CommandState.Pending);
        var pending = await Handler.HandleAsync(new CommandStatusInput([Command], Deadline, 0, held.Ref), CancellationToken.None);
        runner.Set(CommandId, "i-000000000000000b0", CommandState.Succeeded, 0);
        var done = await Handler.HandleAsync(new CommandStatusInput([Command], Deadline, 1, held.Ref), CancellationToken.None);
        Assert.False(pending.Done);
        Assert.Equal("pending", pending.Status);
        Assert.True(done.Done);
        Assert.Equal("succeeded", done.Status);
    }

    [Fact]
    public async Task An_invocation_not_visible_yet_counts_as_pending()
    {
        var status = await Handler.HandleAsync(new CommandStatusInput([Command], Deadline, 0, held.Ref), CancellationToken.None);
        Assert.False(status.Done);
        Assert.All(status.Invocations, i => Assert.Equal("NotYetVisible", i.Status));
    }

    [Theory]
    [InlineData(CommandState.Failed)]
    [InlineData(CommandState.TimedOut)]
    [InlineData(CommandState.Cancelled)]
    public async Task A_failed_invocation_is_CommandFailed_with_exit_code_and_stderr_tail(CommandState state)
    {
        var stderr = new string('x', 5000) + "\nTraceback: FileNotFoundError: s3a://bucket/raw";
        runner.Set(CommandId, "i-0000000000000000a", CommandState.Succeeded, 0);
        runner.Set(CommandId, "i-000000000000000b0", state, 1, stderr);
        var e = await Expect.Error(ErrorNames.CommandFailed, () => Handler.HandleAsync(new CommandStatusInput([Command], Deadline, 0, held.Ref), CancellationToken.None));
        Assert.Contains("exit code 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("FileNotFoundError: s3a://bucket/raw", e.Message, StringComparison.Ordinal);
        Assert.Contains("i-000000000000000b0", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 1300, "only the tail of stderr is kept");
    }

    [Fact]
    public async Task Still_pending_past_the_deadline_is_CommandTimedOut()
    {
        runner.Set(CommandId, "i-0000000000000000a", CommandState.Pending);
        runner.Set(CommandId, "i-000000000000000b0", CommandState.Succeeded, 0);
        clock.Advance(TimeSpan.FromHours(2));
        var e = await Expect.Error(ErrorNames.CommandTimedOut, () => Handler.HandleAsync(new CommandStatusInput([Command], Deadline, 9, held.Ref), CancellationToken.None));
        Assert.Contains("i-0000000000000000a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_suggested_wait_backs_off_with_each_attempt()
    {
        var waits = new List<int>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            waits.Add((await Handler.HandleAsync(new CommandStatusInput([Command], Deadline, attempt, held.Ref), CancellationToken.None)).WaitSeconds);
        }

        Assert.Equal([15, 30, 60, 120, 120], waits);
    }

    [Theory]
    [InlineData("""{"deadline":"2026-02-13T02:00:00Z","attempt":0}""")]
    [InlineData("""{"commands":[{"commandId":"not-a-uuid","instanceIds":["i-0000000000000000a"]}],"deadline":"2026-02-13T02:00:00Z"}""")]
    [InlineData("""{"commands":[{"commandId":"8a3f1c2e-0000-4000-8000-000000000001","instanceIds":["i-0 ; reboot"]}],"deadline":"2026-02-13T02:00:00Z"}""")]
    [InlineData("""{"commands":[{"commandId":"8a3f1c2e-0000-4000-8000-000000000001","instanceIds":[]}],"deadline":"2026-02-13T02:00:00Z"}""")]
    [InlineData("""{"commands":[{"commandId":"8a3f1c2e-0000-4000-8000-000000000001","instanceIds":["i-0000000000000000a"]}],"attempt":"x"}""")]
    public async Task Malformed_command_references_are_InvalidInput(string json)
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync(json, CancellationToken.None));
    }
}

public sealed class StopSparkTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeCommandRunner runner = new();

    [Fact]
    public async Task Stops_spark_on_every_running_reachable_node()
    {
        var fleet = FakeFleet.Cluster("running");
        runner.Online.UnionWith(fleet.Nodes.Select(n => n.InstanceId).Take(2));
        var result = await new StopSpark(PipelineSettings.PotholePipeline, clock, fleet, runner, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        var (_, request) = Assert.Single(runner.Sent);
        Assert.Equal(2, request.InstanceIds.Count);
        Assert.Contains("stop-master.sh", request.Script, StringComparison.Ordinal);
        Assert.Equal([fleet.WorkerIds[1]], result.Skipped);
    }

    [Fact]
    public async Task With_the_cluster_stopped_it_sends_nothing_and_does_not_fail()
    {
        var fleet = FakeFleet.Cluster("stopped");
        var result = await new StopSpark(PipelineSettings.PotholePipeline, clock, fleet, runner, held.Lock).HandleAsync(new LockedInput(held.Ref), CancellationToken.None);
        Assert.Empty(runner.Sent);
        Assert.Empty(result.Commands);
        Assert.Equal(3, result.Skipped.Count);
    }
}
