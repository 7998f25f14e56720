using System.Globalization;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// The last line of defence, run on a schedule: if cluster nodes are running while no run holds
/// the lock (or the holder's lock is stale), stop them and release the stale lock. It takes the
/// lock itself while it acts, so a run that starts meanwhile finds the cluster busy instead of
/// having its nodes stopped under it. The Catch branch and the status-change rule normally clean
/// up; both are best-effort in AWS, this is not.
/// </summary>
public sealed class Sweep(PipelineSettings settings, TimeProvider clock, IFleet fleet, IRunLock runLock)
    : Handler<EmptyInput, SweepOutput>(HandlerJson.Readable.EmptyInput, HandlerJson.Readable.SweepOutput)
{
    public override async Task<SweepOutput> HandleAsync(EmptyInput input, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var staleBefore = now - TimeSpan.FromMinutes(settings.MaxRunMinutes);
        var holder = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        if (holder is not null && holder.AcquiredAt >= staleBefore)
        {
            RunLog.Write($"Sweep {settings.ClusterName}: run {holder.RunId} holds the lock; nothing to do");
            return new SweepOutput(settings.ClusterName, "run-in-progress", [], null, holder.RunId);
        }

        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var forgotten = nodes.Where(n => !n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        if (holder is null && forgotten.Count == 0)
        {
            return new SweepOutput(settings.ClusterName, "idle", [], null, null);
        }

        var sweeper = "sweeper-" + now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture);
        var take = await runLock.TryAcquireAsync(settings.ClusterName, sweeper, now, staleBefore, cancellationToken).ConfigureAwait(false);
        if (!take.Acquired)
        {
            RunLog.Write($"Sweep {settings.ClusterName}: run {take.Current?.RunId} took the lock meanwhile; nothing to do");
            return new SweepOutput(settings.ClusterName, "run-in-progress", [], null, take.Current?.RunId);
        }

        try
        {
            if (forgotten.Count > 0)
            {
                await fleet.StopAsync(forgotten, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await runLock.ReleaseAsync(settings.ClusterName, sweeper, CancellationToken.None).ConfigureAwait(false);
        }

        var stale = take.Previous?.RunId;
        RunLog.Write($"Sweep {settings.ClusterName}: stopped [{string.Join(", ", forgotten)}] that no run held"
            + (stale is null ? "" : $"; released the stale lock of run {stale} (taken {Inputs.Timestamp(take.Previous!.AcquiredAt)})"));
        return new SweepOutput(settings.ClusterName, forgotten.Count > 0 ? "stopped-forgotten-nodes" : "released-stale-lock", forgotten, stale, null);
    }
}
