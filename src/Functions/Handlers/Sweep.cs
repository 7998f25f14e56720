using System.Globalization;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// The last line of defence, run on a schedule: nodes running while no live holder has the lock
/// (free, abandoned by a failed cleanup, or a lease nobody renewed) are stopped. The sweeper takes
/// the lock itself, with its own token, before it stops anything, so a run starting meanwhile finds
/// the cluster busy instead of losing its nodes; it leaves live runs, maintenance holds and nodes
/// still in their first-boot set-up alone.
/// </summary>
public sealed class Sweep(PipelineSettings settings, TimeProvider clock, IFleet fleet, IRunLock runLock)
    : Handler<EmptyInput, SweepOutput>(HandlerJson.Readable.EmptyInput, HandlerJson.Readable.SweepOutput)
{
    /// <summary>The sweeper holds the lock only for the few calls it makes.</summary>
    public const int SweeperLeaseSeconds = 300;

    public override async Task<SweepOutput> HandleAsync(EmptyInput input, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        if (state is { IsHeld: true } && !state.IsTakeable(now))
        {
            return Busy(state, now);
        }

        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var up = nodes.Where(n => !n.IsStoppedOrStopping).ToList();
        var settingUp = up.Where(n => !n.SetupComplete && n.LaunchedAt is { } at && now - at < TimeSpan.FromMinutes(NodeTags.SetupGraceMinutes))
            .Select(n => n.InstanceId).ToList();
        var forgotten = up.Select(n => n.InstanceId).Except(settingUp).ToList();
        if (settingUp.Count > 0)
        {
            RunLog.Write($"Sweep {settings.ClusterName}: leaving [{string.Join(", ", settingUp)}] alone, their first-boot set-up has not completed");
        }

        if (state is not { IsHeld: true } && forgotten.Count == 0)
        {
            return new SweepOutput(settings.ClusterName, "idle", [], null, null, settingUp);
        }

        var sweeper = RunIds.SweeperPrefix + now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var grant = await runLock.AcquireAsync(settings.ClusterName, new LockRequest(sweeper, HolderKind.Sweeper, now, now.AddSeconds(SweeperLeaseSeconds)), cancellationToken).ConfigureAwait(false);
        if (grant is null)
        {
            return Busy(await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false), now);
        }

        try
        {
            if (forgotten.Count > 0)
            {
                await LockFence.HoldAsync(runLock, settings, clock, sweeper, grant.Token, "Sweep", cancellationToken).ConfigureAwait(false);
                await fleet.StopAsync(forgotten, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await runLock.ReleaseAsync(settings.ClusterName, sweeper, grant.Token, CancellationToken.None).ConfigureAwait(false);
        }

        var stale = grant.Previous is { Holder: { } previous } ? previous : null;
        var detail = $"stopped [{string.Join(", ", forgotten)}] that no live holder had"
            + (stale is null ? "" : $"; freed the lock {LockFence.Describe(grant.Previous, now)}");
        RunLog.Write($"Sweep {settings.ClusterName}: {detail}");
        return new SweepOutput(settings.ClusterName, forgotten.Count > 0 ? "stopped-forgotten-nodes" : "released-stale-lock", forgotten, stale, null, settingUp, detail);
    }

    private SweepOutput Busy(LockState? state, DateTimeOffset now)
    {
        var detail = LockFence.Describe(state, now);
        var action = state?.Kind == HolderKind.Maintenance ? "maintenance-hold" : "run-in-progress";
        RunLog.Write($"Sweep {settings.ClusterName}: {detail}; nothing to do");
        return new SweepOutput(settings.ClusterName, action, [], null, state?.Holder, null, detail);
    }
}
