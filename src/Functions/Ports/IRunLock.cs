namespace Pipeline.Functions.Ports;

/// <summary>Who may hold a cluster: a pipeline run, the sweeper while it stops forgotten nodes, or an operator's maintenance hold.</summary>
public enum HolderKind
{
    Run,
    Sweeper,
    Maintenance,
}

/// <summary>
/// The lock item as stored. <see cref="Token"/> is the fencing token: it grows by one with every new
/// holder and never goes back, so an action checked against (holder, token) can only be taken by
/// the holder that was granted that token. A free lock keeps its last token.
/// </summary>
public sealed record LockState(
    string? Holder,
    HolderKind Kind,
    long Token,
    DateTimeOffset AcquiredAt,
    DateTimeOffset LeaseUntil,
    string? Abandoned,
    string? Reason)
{
    public bool IsHeld => Holder is not null;

    /// <summary>Free, given up by a cleanup that failed, or not renewed within its lease: a new holder may take it.</summary>
    public bool IsTakeable(DateTimeOffset now) => Holder is null || Abandoned is not null || LeaseUntil < now;
}

/// <summary>A granted lock: the holder's token and lease, and the state it replaced (null when the item was new).</summary>
public sealed record LockGrant(string Holder, long Token, DateTimeOffset LeaseUntil, LockState? Previous);

public sealed record LockRequest(string Holder, HolderKind Kind, DateTimeOffset Now, DateTimeOffset LeaseUntil, string? Reason = null);

/// <summary>
/// One holder at a time per cluster. Every operation is a single conditional write, so two callers
/// racing cannot both succeed, and an answer of "no" is never a partial change.
/// </summary>
public interface IRunLock
{
    Task<LockState?> GetAsync(string clusterName, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the lock when it is takeable at <see cref="LockRequest.Now"/> (a new token), or extends
    /// it when this holder already holds it (same token, so a retried take is harmless). Null when
    /// another holder's lease is live.
    /// </summary>
    Task<LockGrant?> AcquireAsync(string clusterName, LockRequest request, CancellationToken cancellationToken);

    /// <summary>Extends the lease if (holder, token) still hold it and it was not abandoned; false = the lock was lost.</summary>
    Task<bool> RenewAsync(string clusterName, string holder, long token, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Frees the lock if (holder, token) hold it; false = it was not theirs (already released, or taken over).</summary>
    Task<bool> ReleaseAsync(string clusterName, string holder, long token, CancellationToken cancellationToken);

    /// <summary>Marks the lock abandoned (takeable at once) if (holder, token) hold it: cleanup failed and leaves the cluster to the sweeper.</summary>
    Task<bool> AbandonAsync(string clusterName, string holder, long token, string reason, CancellationToken cancellationToken);
}
