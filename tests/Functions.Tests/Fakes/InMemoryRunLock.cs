using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>
/// The lock's rules without storage, for handler tests. RunLockContract runs the same cases against
/// this and against DynamoDbRunLock on moto, so the two cannot drift apart.
/// </summary>
public sealed class InMemoryRunLock : IRunLock
{
    public Dictionary<string, LockState> Items { get; } = [];

    public LockState? this[string clusterName] => Items.GetValueOrDefault(clusterName);

    /// <summary>Puts the lock in a holder's hands, as another run or an earlier session left it.</summary>
    public long Hold(string clusterName, string holder, DateTimeOffset at, DateTimeOffset leaseUntil, HolderKind kind = HolderKind.Run)
    {
        var token = (Items.GetValueOrDefault(clusterName)?.Token ?? 0) + 1;
        Items[clusterName] = new LockState(holder, kind, token, at, leaseUntil, null, null);
        return token;
    }

    public Task<LockState?> GetAsync(string clusterName, CancellationToken cancellationToken) => Task.FromResult(this[clusterName]);

    public Task<LockGrant?> AcquireAsync(string clusterName, LockRequest request, CancellationToken cancellationToken)
    {
        var current = this[clusterName];
        if (current is { Abandoned: null } && current.Holder == request.Holder)
        {
            Items[clusterName] = current with { LeaseUntil = request.LeaseUntil };
            return Task.FromResult<LockGrant?>(new LockGrant(request.Holder, current.Token, request.LeaseUntil, Items[clusterName]));
        }

        if (current is not null && !current.IsTakeable(request.Now))
        {
            return Task.FromResult<LockGrant?>(null);
        }

        var token = (current?.Token ?? 0) + 1;
        Items[clusterName] = new LockState(request.Holder, request.Kind, token, request.Now, request.LeaseUntil, null, request.Reason);
        return Task.FromResult<LockGrant?>(new LockGrant(request.Holder, token, request.LeaseUntil, current));
    }

    public Task<bool> RenewAsync(string clusterName, string holder, long token, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        if (this[clusterName] is { Abandoned: null } current && current.Holder == holder && current.Token == token)
        {
            Items[clusterName] = current with { LeaseUntil = leaseUntil };
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }

    public Task<bool> ReleaseAsync(string clusterName, string holder, long token, CancellationToken cancellationToken)
    {
        if (this[clusterName] is { } current && current.Holder == holder && current.Token == token)
        {
            Items[clusterName] = new LockState(null, HolderKind.Run, token, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null);
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }

    public Task<bool> AbandonAsync(string clusterName, string holder, long token, string reason, CancellationToken cancellationToken)
    {
        if (this[clusterName] is { } current && current.Holder == holder && current.Token == token)
        {
            Items[clusterName] = current with { Abandoned = reason };
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }
}
