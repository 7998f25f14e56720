using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>The lock's semantics without storage: free, ours, or stale means we take it.</summary>
public sealed class InMemoryRunLock : IRunLock
{
    public Dictionary<string, LockHolder> Held { get; } = [];

    public Task<LockTake> TryAcquireAsync(string clusterName, string runId, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        Held.TryGetValue(clusterName, out var current);
        if (current is null || current.RunId == runId || current.AcquiredAt < staleBefore)
        {
            Held[clusterName] = new LockHolder(runId, now);
            return Task.FromResult(new LockTake(true, current, Held[clusterName]));
        }

        return Task.FromResult(new LockTake(false, null, current));
    }

    public Task<(bool Released, LockHolder? Holder)> ReleaseAsync(string clusterName, string runId, CancellationToken cancellationToken)
    {
        Held.TryGetValue(clusterName, out var current);
        if (current?.RunId == runId)
        {
            Held.Remove(clusterName);
            return Task.FromResult<(bool, LockHolder?)>((true, null));
        }

        return Task.FromResult((false, current));
    }

    public Task<LockHolder?> GetAsync(string clusterName, CancellationToken cancellationToken) =>
        Task.FromResult(Held.GetValueOrDefault(clusterName));
}
