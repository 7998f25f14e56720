using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>
/// The lock's rules, once, run against DynamoDB (moto) and against the in-memory fake the handler
/// tests use, so the fake cannot promise what the table does not do.
/// </summary>
public abstract class RunLockContract
{
    protected static readonly DateTimeOffset Now = new(2026, 2, 13, 1, 0, 0, TimeSpan.Zero);

    protected abstract Task<IRunLock> NewLockAsync();

    private static LockRequest Run(string holder, DateTimeOffset at, int leaseMinutes = 15) => new(holder, HolderKind.Run, at, at.AddMinutes(leaseMinutes));

    [Fact]
    public async Task A_free_lock_is_granted_token_1_and_a_second_holder_is_refused_while_the_lease_lives()
    {
        var runLock = await NewLockAsync();
        var first = await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        var second = await runLock.AcquireAsync("spark", Run("run-b", Now.AddMinutes(14)), CancellationToken.None);
        Assert.Equal(1, first!.Token);
        Assert.Null(second);
        var state = await runLock.GetAsync("spark", CancellationToken.None);
        Assert.Equal(("run-a", HolderKind.Run, Now, Now.AddMinutes(15)), (state!.Holder, state.Kind, state.AcquiredAt, state.LeaseUntil));
    }

    [Fact]
    public async Task Clusters_have_separate_locks()
    {
        var runLock = await NewLockAsync();
        Assert.NotNull(await runLock.AcquireAsync("spark-a", Run("run-a", Now), CancellationToken.None));
        Assert.NotNull(await runLock.AcquireAsync("spark-b", Run("run-b", Now), CancellationToken.None));
    }

    [Fact]
    public async Task The_holder_taking_it_again_keeps_its_token_and_moves_its_lease()
    {
        var runLock = await NewLockAsync();
        var first = await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        var again = await runLock.AcquireAsync("spark", Run("run-a", Now.AddMinutes(20)), CancellationToken.None);
        Assert.Equal(first!.Token, again!.Token);
        Assert.Equal(Now.AddMinutes(35), (await runLock.GetAsync("spark", CancellationToken.None))!.LeaseUntil);
    }

    [Fact]
    public async Task Past_its_lease_the_lock_is_taken_over_with_the_next_token_and_the_old_holder_reported()
    {
        var runLock = await NewLockAsync();
        await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        var take = await runLock.AcquireAsync("spark", Run("run-b", Now.AddMinutes(16)), CancellationToken.None);
        Assert.Equal(2, take!.Token);
        Assert.Equal("run-a", take.Previous!.Holder);
        Assert.False(await runLock.RenewAsync("spark", "run-a", 1, Now.AddMinutes(30), CancellationToken.None));
        Assert.True(await runLock.RenewAsync("spark", "run-b", 2, Now.AddMinutes(30), CancellationToken.None));
    }

    [Fact]
    public async Task Renewing_keeps_a_live_holder_and_needs_the_matching_token()
    {
        var runLock = await NewLockAsync();
        await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        Assert.True(await runLock.RenewAsync("spark", "run-a", 1, Now.AddMinutes(40), CancellationToken.None));
        Assert.False(await runLock.RenewAsync("spark", "run-a", 7, Now.AddMinutes(50), CancellationToken.None));
        Assert.Null(await runLock.AcquireAsync("spark", Run("run-b", Now.AddMinutes(30)), CancellationToken.None));
        Assert.Equal(Now.AddMinutes(40), (await runLock.GetAsync("spark", CancellationToken.None))!.LeaseUntil);
    }

    [Fact]
    public async Task Only_the_holder_with_its_token_releases_and_the_token_survives_the_release()
    {
        var runLock = await NewLockAsync();
        await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        Assert.False(await runLock.ReleaseAsync("spark", "run-b", 1, CancellationToken.None));
        Assert.False(await runLock.ReleaseAsync("spark", "run-a", 2, CancellationToken.None));
        Assert.True(await runLock.ReleaseAsync("spark", "run-a", 1, CancellationToken.None));
        Assert.False(await runLock.ReleaseAsync("spark", "run-a", 1, CancellationToken.None));
        Assert.False((await runLock.GetAsync("spark", CancellationToken.None))!.IsHeld);
        Assert.Equal(2, (await runLock.AcquireAsync("spark", Run("run-b", Now.AddMinutes(1)), CancellationToken.None))!.Token);
    }

    [Fact]
    public async Task An_abandoned_lock_can_no_longer_be_renewed_and_is_taken_at_once()
    {
        var runLock = await NewLockAsync();
        await runLock.AcquireAsync("spark", Run("run-a", Now), CancellationToken.None);
        Assert.False(await runLock.AbandonAsync("spark", "run-b", 1, "not mine", CancellationToken.None));
        Assert.True(await runLock.AbandonAsync("spark", "run-a", 1, "StopInstances refused", CancellationToken.None));
        Assert.Equal("StopInstances refused", (await runLock.GetAsync("spark", CancellationToken.None))!.Abandoned);
        Assert.False(await runLock.RenewAsync("spark", "run-a", 1, Now.AddMinutes(30), CancellationToken.None));
        var sweeper = await runLock.AcquireAsync("spark", new LockRequest("sweeper:1", HolderKind.Sweeper, Now.AddMinutes(1), Now.AddMinutes(6)), CancellationToken.None);
        Assert.Equal(2, sweeper!.Token);
        var state = await runLock.GetAsync("spark", CancellationToken.None);
        Assert.Equal(("sweeper:1", HolderKind.Sweeper, (string?)null), (state!.Holder, state.Kind, state.Abandoned));
    }

    [Fact]
    public async Task A_maintenance_hold_keeps_its_reason()
    {
        var runLock = await NewLockAsync();
        var hold = await runLock.AcquireAsync("spark", new LockRequest("maintenance:ops", HolderKind.Maintenance, Now, DateTimeOffset.MaxValue.AddDays(-1), "patching"), CancellationToken.None);
        Assert.NotNull(hold);
        var state = await runLock.GetAsync("spark", CancellationToken.None);
        Assert.Equal((HolderKind.Maintenance, "patching"), (state!.Kind, state.Reason));
        Assert.Null(await runLock.AcquireAsync("spark", Run("run-a", Now.AddDays(300)), CancellationToken.None));
    }

    // No race test here: moto's server answers requests on threads without serialising writes to
    // one item, so two conditional writes can both pass there; DynamoDB documents conditional
    // writes as atomic. The interleaving suite runs tasks one at a time for that reason.
}

public sealed class InMemoryRunLockContractTests : RunLockContract
{
    protected override Task<IRunLock> NewLockAsync() => Task.FromResult<IRunLock>(new InMemoryRunLock());
}

[Collection(MotoCollection.Name)]
public sealed class DynamoDbRunLockTests(MotoFixture moto) : RunLockContract
{
    protected override async Task<IRunLock> NewLockAsync()
    {
        var table = "lock-" + Guid.NewGuid().ToString("N")[..10];
        await moto.CreateLockTableAsync(table);
        return new DynamoDbRunLock(moto.Aws.DynamoDb, table);
    }
}
