using Pipeline.Functions.Adapters.Aws;

namespace Pipeline.Functions.Tests.Adapters;

[Collection(MotoCollection.Name)]
public sealed class DynamoDbRunLockTests(MotoFixture moto)
{
    private static readonly DateTimeOffset Now = new(2026, 2, 13, 1, 0, 0, TimeSpan.Zero);

    private async Task<DynamoDbRunLock> NewLockAsync()
    {
        var table = "lock-" + Guid.NewGuid().ToString("N")[..10];
        await moto.CreateLockTableAsync(table);
        return new DynamoDbRunLock(moto.Aws.DynamoDb, table);
    }

    [Fact]
    public async Task One_run_holds_it_and_a_second_is_refused_with_the_holder_named()
    {
        var runLock = await NewLockAsync();
        var first = await runLock.TryAcquireAsync("spark", "run-a", Now, Now.AddHours(-6), CancellationToken.None);
        var second = await runLock.TryAcquireAsync("spark", "run-b", Now.AddMinutes(1), Now.AddHours(-6), CancellationToken.None);
        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal("run-a", second.Current!.RunId);
        Assert.Equal(Now, second.Current.AcquiredAt);
    }

    [Fact]
    public async Task Clusters_have_separate_locks()
    {
        var runLock = await NewLockAsync();
        Assert.True((await runLock.TryAcquireAsync("spark-a", "run-a", Now, Now.AddHours(-6), CancellationToken.None)).Acquired);
        Assert.True((await runLock.TryAcquireAsync("spark-b", "run-b", Now, Now.AddHours(-6), CancellationToken.None)).Acquired);
    }

    [Fact]
    public async Task The_holder_may_take_it_again()
    {
        var runLock = await NewLockAsync();
        await runLock.TryAcquireAsync("spark", "run-a", Now, Now.AddHours(-6), CancellationToken.None);
        var again = await runLock.TryAcquireAsync("spark", "run-a", Now.AddMinutes(1), Now.AddHours(-6), CancellationToken.None);
        Assert.True(again.Acquired);
    }

    [Fact]
    public async Task A_stale_lock_is_taken_over_and_the_previous_holder_reported()
    {
        var runLock = await NewLockAsync();
        await runLock.TryAcquireAsync("spark", "run-a", Now, Now.AddHours(-6), CancellationToken.None);
        var later = Now.AddHours(7);
        var take = await runLock.TryAcquireAsync("spark", "run-b", later, later.AddHours(-6), CancellationToken.None);
        Assert.True(take.Acquired);
        Assert.Equal("run-a", take.Previous!.RunId);
        Assert.Equal("run-b", (await runLock.GetAsync("spark", CancellationToken.None))!.RunId);
    }

    [Fact]
    public async Task Only_the_holder_releases_and_releasing_twice_is_harmless()
    {
        var runLock = await NewLockAsync();
        await runLock.TryAcquireAsync("spark", "run-a", Now, Now.AddHours(-6), CancellationToken.None);
        var byOther = await runLock.ReleaseAsync("spark", "run-b", CancellationToken.None);
        var byHolder = await runLock.ReleaseAsync("spark", "run-a", CancellationToken.None);
        var again = await runLock.ReleaseAsync("spark", "run-a", CancellationToken.None);
        Assert.Equal((false, "run-a"), (byOther.Released, byOther.Holder?.RunId));
        Assert.True(byHolder.Released);
        Assert.Equal((false, (string?)null), (again.Released, again.Holder?.RunId));
        Assert.Null(await runLock.GetAsync("spark", CancellationToken.None));
    }
}
