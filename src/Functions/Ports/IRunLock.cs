namespace Pipeline.Functions.Ports;

public sealed record LockHolder(string RunId, DateTimeOffset AcquiredAt);

/// <summary>Outcome of a take: either ours now (possibly taken over from a stale holder) or held by someone else.</summary>
public sealed record LockTake(bool Acquired, LockHolder? Previous, LockHolder? Current);

/// <summary>One run at a time per cluster, so a scheduled run and a manual run never stop each other's nodes.</summary>
public interface IRunLock
{
    /// <summary>Takes the lock when it is free, already ours, or was taken before <paramref name="staleBefore"/>.</summary>
    Task<LockTake> TryAcquireAsync(string clusterName, string runId, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken cancellationToken);

    /// <summary>Releases the lock only if <paramref name="runId"/> holds it; returns the holder that remains, if any.</summary>
    Task<(bool Released, LockHolder? Holder)> ReleaseAsync(string clusterName, string runId, CancellationToken cancellationToken);

    Task<LockHolder?> GetAsync(string clusterName, CancellationToken cancellationToken);
}
