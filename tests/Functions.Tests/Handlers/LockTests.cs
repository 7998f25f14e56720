using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class AcquireLockTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryRunLock runLock = new();

    private AcquireLock Handler => new(PipelineSettings.PotholePipeline, clock, runLock);

    [Fact]
    public async Task A_free_lock_is_granted_with_a_token_and_a_lease()
    {
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.Equal(("run-a", 1L), (runLock["pothole-spark"]!.Holder, result.Token));
        Assert.Equal(clock.Now.AddSeconds(PipelineSettings.PotholePipeline.LockLeaseSeconds), runLock["pothole-spark"]!.LeaseUntil);
        Assert.Null(result.TookOverFrom);
    }

    [Fact]
    public async Task A_second_run_fails_with_ClusterBusy_naming_the_holder_and_its_lease()
    {
        await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(10));
        var e = await Expect.Error(ErrorNames.ClusterBusy, () => Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None));
        Assert.Contains("run run-a", e.Message, StringComparison.Ordinal);
        Assert.Contains("lease until 2026-02-13T01:15:00", e.Message, StringComparison.Ordinal);
        Assert.Equal("run-a", runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task A_retried_take_by_the_same_run_keeps_its_token()
    {
        var first = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        var again = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.Equal(first.Token, again.Token);
        Assert.Null(again.TookOverFrom);
    }

    [Fact]
    public async Task An_old_lock_whose_holder_still_renews_is_never_taken()
    {
        var first = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        for (var hour = 0; hour < 8; hour++)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            await LockFence.HoldAsync(runLock, PipelineSettings.PotholePipeline, clock, new LockRef("run-a", first.Token), "a poll", CancellationToken.None);
        }

        await Expect.Error(ErrorNames.ClusterBusy, () => Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None));
    }

    [Fact]
    public async Task A_lease_nobody_renewed_is_taken_over_with_a_new_token()
    {
        var first = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(PipelineSettings.PotholePipeline.LockLeaseSeconds + 1));
        var result = await Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None);
        Assert.Equal("run-a", result.TookOverFrom);
        Assert.Equal(first.Token + 1, result.Token);
        Assert.Equal("run-b", runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task A_maintenance_hold_is_never_stale()
    {
        runLock.Hold("pothole-spark", RunIds.MaintenancePrefix + "ops", clock.Now.AddDays(-3), DateTimeOffset.MaxValue, HolderKind.Maintenance);
        var e = await Expect.Error(ErrorNames.ClusterBusy, () => Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None));
        Assert.Contains("maintenance hold by ops", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-02-12")]
    [InlineData("manual(rerun)+2")]
    [InlineData("재실행-2026-02-12")]
    [InlineData("a.b_c-d=e@f!g'h")]
    public async Task Every_name_Step_Functions_accepts_is_a_run_id(string name)
    {
        var result = await Handler.HandleAsync(new RunInput(name), CancellationToken.None);
        Assert.Equal(name, result.RunId);
        Assert.Equal(name, runLock["pothole-spark"]!.Holder);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"runId":""}""")]
    [InlineData("""{"runId":"a b"}""")]
    [InlineData("""{"runId":"x;reboot"}""")]
    [InlineData("""{"runId":"sweeper:20260213T010000Z"}""")]
    public async Task A_bad_run_id_is_InvalidInput(string json)
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync(json, CancellationToken.None));
        Assert.Empty(runLock.Items);
    }
}

public sealed class ConfirmLockTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryRunLock runLock = new();

    private ConfirmLock Handler => new(PipelineSettings.PotholePipeline, clock, runLock);

    [Fact]
    public async Task The_holder_is_confirmed_with_its_token_and_its_lease_extended()
    {
        var token = runLock.Hold("pothole-spark", "run-a", clock.Now.AddMinutes(-20), clock.Now.AddMinutes(-1));
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.True(result.Held);
        Assert.Equal(new LockRef("run-a", token), result.Lock);
        Assert.Equal(clock.Now.AddSeconds(PipelineSettings.PotholePipeline.LockLeaseSeconds), runLock["pothole-spark"]!.LeaseUntil);
    }

    [Fact]
    public async Task A_free_lock_is_not_taken()
    {
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.False(result.Held);
        Assert.Null(result.Lock);
        Assert.Empty(runLock.Items);
    }

    [Fact]
    public async Task Another_holder_is_left_alone()
    {
        runLock.Hold("pothole-spark", "run-b", clock.Now, clock.Now.AddMinutes(15));
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.False(result.Held);
        Assert.Contains("run run-b", result.Detail, StringComparison.Ordinal);
        Assert.Equal("run-b", runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task An_abandoned_lock_is_left_to_the_sweeper()
    {
        var token = runLock.Hold("pothole-spark", "run-a", clock.Now, clock.Now.AddMinutes(15));
        await runLock.AbandonAsync("pothole-spark", "run-a", token, "StopInstances refused", CancellationToken.None);
        Assert.False((await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None)).Held);
    }
}

public sealed class ReleaseLockTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryRunLock runLock = new();

    private ReleaseLock Handler => new(PipelineSettings.PotholePipeline, clock, runLock);

    [Fact]
    public async Task The_holder_releases_it_and_the_token_stays()
    {
        var token = runLock.Hold("pothole-spark", "run-a", clock.Now, clock.Now.AddMinutes(15));
        var result = await Handler.HandleAsync(new LockedInput(new LockRef("run-a", token)), CancellationToken.None);
        Assert.True(result.Released);
        Assert.Equal((null, token), (runLock["pothole-spark"]!.Holder, runLock["pothole-spark"]!.Token));
    }

    [Fact]
    public async Task A_stale_token_of_the_same_run_cannot_release_it()
    {
        var token = runLock.Hold("pothole-spark", "run-a", clock.Now, clock.Now.AddMinutes(15));
        var result = await Handler.HandleAsync(new LockedInput(new LockRef("run-a", token - 1 + 2)), CancellationToken.None);
        Assert.False(result.Released);
        Assert.Equal("run-a", runLock["pothole-spark"]!.Holder);
    }

    [Fact]
    public async Task Another_run_cannot_release_it()
    {
        var token = runLock.Hold("pothole-spark", "run-a", clock.Now, clock.Now.AddMinutes(15));
        var result = await Handler.HandleAsync(new LockedInput(new LockRef("run-b", token)), CancellationToken.None);
        Assert.False(result.Released);
        Assert.Equal("run-a", result.HeldBy);
    }

    [Fact]
    public async Task A_lock_reference_without_a_token_is_InvalidInput()
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync("""{"lock":{"runId":"run-a"}}""", CancellationToken.None));
    }
}

public sealed class AbandonLockTests
{
    [Fact]
    public async Task The_holder_marks_it_abandoned_and_names_the_nodes_left_running()
    {
        var held = Locks.Held("run-a");
        var fleet = FakeFleet.Cluster("running");
        var result = await new AbandonLock(PipelineSettings.PotholePipeline, fleet, held.Lock).HandleAsync(new AbandonLockInput(held.Ref, "StopInstances: UnauthorizedOperation"), CancellationToken.None);
        Assert.True(result.Abandoned);
        Assert.Equal(3, result.LeftRunning.Count);
        Assert.Equal("StopInstances: UnauthorizedOperation", held.Lock["pothole-spark"]!.Abandoned);
        Assert.True(held.Lock["pothole-spark"]!.IsTakeable(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task A_run_that_lost_the_lock_marks_nothing()
    {
        var held = Locks.Held("run-b");
        var result = await new AbandonLock(PipelineSettings.PotholePipeline, FakeFleet.Cluster("running"), held.Lock).HandleAsync(new AbandonLockInput(new LockRef("run-a", held.Ref.Token), "x"), CancellationToken.None);
        Assert.False(result.Abandoned);
        Assert.Null(held.Lock["pothole-spark"]!.Abandoned);
    }
}

/// <summary>Every handler that acts on the cluster refuses to act for a run that no longer holds the lock.</summary>
public sealed class LockFenceTests
{
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private static readonly PipelineSettings Settings = PipelineSettings.PotholePipeline;
    private const string Deadline = "2026-02-13T02:00:00Z";
    private static readonly CommandRef Command = new("8a3f1c2e-0000-4000-8000-000000000001", ["i-0000000000000000a"], "stage1_anomaly_detection");

    public static TheoryData<string> Acting => ["StartCluster", "ClusterStatus", "StartSpark", "SubmitStage", "CommandStatus", "StopSpark", "StopCluster"];

    private static Task Act(string handler, FakeFleet fleet, FakeCommandRunner runner, IRunLock runLock, LockRef lockRef) => handler switch
    {
        "StartCluster" => new StartCluster(Settings, Clock, fleet, runLock).HandleAsync(new LockedInput(lockRef), CancellationToken.None),
        "ClusterStatus" => new ClusterStatus(Settings, Clock, fleet, runner, runLock).HandleAsync(new ClusterStatusInput(Deadline, 0, lockRef), CancellationToken.None),
        "StartSpark" => new StartSpark(Settings, Clock, fleet, runner, runLock).HandleAsync(new LockedInput(lockRef), CancellationToken.None),
        "SubmitStage" => new SubmitStage(Settings, Clock, fleet, runner, runLock).HandleAsync(new StageInput("2026-02-12", "stage1_anomaly_detection", lockRef), CancellationToken.None),
        "CommandStatus" => new CommandStatus(Settings, Clock, runner, runLock).HandleAsync(new CommandStatusInput([Command], Deadline, 0, lockRef), CancellationToken.None),
        "StopSpark" => new StopSpark(Settings, Clock, fleet, runner, runLock).HandleAsync(new LockedInput(lockRef), CancellationToken.None),
        "StopCluster" => new StopCluster(Settings, Clock, fleet, runLock).HandleAsync(new LockedInput(lockRef), CancellationToken.None),
        _ => throw new ArgumentOutOfRangeException(nameof(handler)),
    };

    [Theory]
    [MemberData(nameof(Acting))]
    public async Task A_run_whose_lock_was_taken_over_gets_LockLost_and_acts_on_nothing(string handler)
    {
        var runLock = new InMemoryRunLock();
        var oldToken = runLock.Hold("pothole-spark", "run-a", Clock.Now.AddHours(-1), Clock.Now.AddMinutes(-1));
        runLock.Hold("pothole-spark", "run-b", Clock.Now, Clock.Now.AddMinutes(15));
        var fleet = FakeFleet.Cluster(handler is "StartCluster" ? "stopped" : "running");
        var runner = new FakeCommandRunner();
        var e = await Expect.Error(ErrorNames.LockLost, () => Act(handler, fleet, runner, runLock, new LockRef("run-a", oldToken)));
        Assert.Contains("run run-b", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fleet.Calls, c => c.StartsWith("start", StringComparison.Ordinal) || c.StartsWith("stop", StringComparison.Ordinal));
        Assert.Empty(runner.Sent);
        Assert.Equal("run-b", runLock["pothole-spark"]!.Holder);
    }

    [Theory]
    [MemberData(nameof(Acting))]
    public async Task The_same_run_id_with_an_old_token_is_refused_too(string handler)
    {
        // run-a lost the lock, then took it again (a new token): its earlier token acts on nothing.
        var runLock = new InMemoryRunLock();
        var oldToken = runLock.Hold("pothole-spark", "run-a", Clock.Now.AddHours(-1), Clock.Now.AddMinutes(-1));
        runLock.Hold("pothole-spark", "run-a", Clock.Now, Clock.Now.AddMinutes(15));
        var fleet = FakeFleet.Cluster(handler is "StartCluster" ? "stopped" : "running");
        var runner = new FakeCommandRunner();
        await Expect.Error(ErrorNames.LockLost, () => Act(handler, fleet, runner, runLock, new LockRef("run-a", oldToken)));
        Assert.Empty(runner.Sent);
    }

    [Theory]
    [MemberData(nameof(Acting))]
    public async Task Acting_under_the_lock_renews_its_lease(string handler)
    {
        var held = Locks.Held("run-a");
        held.Lock.Items["pothole-spark"] = held.Lock["pothole-spark"]! with { LeaseUntil = Clock.Now.AddSeconds(5) };
        var fleet = FakeFleet.Cluster(handler is "StartCluster" ? "stopped" : "running");
        var runner = new FakeCommandRunner();
        try
        {
            await Act(handler, fleet, runner, held.Lock, held.Ref);
        }
        catch (PipelineException e) when (e.ErrorName != ErrorNames.LockLost)
        {
            // The fakes may not satisfy every handler's own checks after the fence; the lease is what is checked here.
        }

        Assert.Equal(Clock.Now.AddSeconds(Settings.LockLeaseSeconds), held.Lock["pothole-spark"]!.LeaseUntil);
    }
}
