using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// The check every action on the cluster passes first: the run still holds the lock with the token
/// it was granted, and its lease is extended by that same conditional write. A handler acts within
/// its function timeout of the check, and the lease outlasts that by far (RunBudget), so nobody can
/// take the lock over between the check and the act.
/// </summary>
public static class LockFence
{
    public static async Task<(string RunId, long Token)> HoldAsync(
        IRunLock runLock, PipelineSettings settings, TimeProvider clock, LockRef? lockRef, string acting, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(lockRef);
        await HoldAsync(runLock, settings, clock, runId, token, acting, cancellationToken).ConfigureAwait(false);
        return (runId, token);
    }

    public static async Task HoldAsync(
        IRunLock runLock, PipelineSettings settings, TimeProvider clock, string holder, long token, string acting, CancellationToken cancellationToken)
    {
        var leaseUntil = clock.GetUtcNow().AddSeconds(settings.LockLeaseSeconds);
        if (!await runLock.RenewAsync(settings.ClusterName, holder, token, leaseUntil, cancellationToken).ConfigureAwait(false))
        {
            var current = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
            throw new PipelineException(
                ErrorNames.LockLost,
                $"{acting}: {holder} no longer holds the lock of cluster {settings.ClusterName} (its token {token}); {Describe(current, clock.GetUtcNow())}; nothing was done");
        }
    }

    /// <summary>The lock as a person reads it, for ClusterBusy, LockLost and the sweeper's log.</summary>
    public static string Describe(LockState? state, DateTimeOffset now)
    {
        if (state is not { Holder: { } holder })
        {
            return "the lock is free";
        }

        var who = state.Kind switch
        {
            HolderKind.Maintenance => $"a maintenance hold by {holder[RunIds.MaintenancePrefix.Length..]}" + (state.Reason is null ? "" : $" ({state.Reason})"),
            HolderKind.Sweeper => "the sweeper",
            _ => $"run {holder}",
        };
        var lease = state.Kind == HolderKind.Maintenance
            ? "until released with ./pipeline release"
            : state.LeaseUntil < now ? $"lease ran out at {Inputs.Timestamp(state.LeaseUntil)}" : $"lease until {Inputs.Timestamp(state.LeaseUntil)}";
        var abandoned = state.Abandoned is null ? "" : $", abandoned: {state.Abandoned}";
        return $"held by {who} since {Inputs.Timestamp(state.AcquiredAt)} (token {state.Token}, {lease}{abandoned})";
    }
}
