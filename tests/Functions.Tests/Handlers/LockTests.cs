using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

public sealed class AcquireLockTests
{
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly InMemoryRunLock runLock = new();

    private AcquireLock Handler => new(PipelineSettings.PotholePipeline, clock, runLock);

    [Fact]
    public async Task A_free_lock_is_taken()
    {
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.Equal("run-a", runLock.Held["pothole-spark"].RunId);
        Assert.Null(result.TookOverFrom);
    }

    [Fact]
    public async Task A_second_run_fails_with_ClusterBusy_and_the_holder_keeps_it()
    {
        await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        var e = await Expect.Error(ErrorNames.ClusterBusy, () => Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None));
        Assert.Contains("run-a", e.Message, StringComparison.Ordinal);
        Assert.Equal("run-a", runLock.Held["pothole-spark"].RunId);
    }

    [Fact]
    public async Task Taking_it_again_by_the_same_run_is_fine()
    {
        await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        var again = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.Null(again.TookOverFrom);
    }

    [Fact]
    public async Task A_lock_older_than_the_longest_run_is_taken_over()
    {
        await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(PipelineSettings.PotholePipeline.MaxRunMinutes + 1));
        var result = await Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None);
        Assert.Equal("run-a", result.TookOverFrom);
        Assert.Equal("run-b", runLock.Held["pothole-spark"].RunId);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"runId":""}""")]
    [InlineData("""{"runId":"a b"}""")]
    [InlineData("""{"runId":"x;reboot"}""")]
    public async Task A_bad_run_id_is_InvalidInput(string json)
    {
        await Expect.Error(ErrorNames.InvalidInput, () => Handler.InvokeAsync(json, CancellationToken.None));
        Assert.Empty(runLock.Held);
    }
}

public sealed class ReleaseLockTests
{
    private readonly InMemoryRunLock runLock = new();

    private ReleaseLock Handler => new(PipelineSettings.PotholePipeline, runLock);

    [Fact]
    public async Task The_holder_releases_it()
    {
        runLock.Held["pothole-spark"] = new("run-a", DateTimeOffset.UnixEpoch);
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.True(result.Released);
        Assert.Empty(runLock.Held);
    }

    [Fact]
    public async Task Another_run_cannot_release_it()
    {
        runLock.Held["pothole-spark"] = new("run-a", DateTimeOffset.UnixEpoch);
        var result = await Handler.HandleAsync(new RunInput("run-b"), CancellationToken.None);
        Assert.False(result.Released);
        Assert.Equal("run-a", result.HeldBy);
        Assert.Equal("run-a", runLock.Held["pothole-spark"].RunId);
    }

    [Fact]
    public async Task Releasing_a_free_lock_is_a_no_op()
    {
        var result = await Handler.HandleAsync(new RunInput("run-a"), CancellationToken.None);
        Assert.False(result.Released);
        Assert.Null(result.HeldBy);
    }
}
