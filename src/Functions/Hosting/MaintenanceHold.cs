using System.Text.RegularExpressions;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// An operator's hold on the cluster (bootstrap hold / release, behind ./pipeline hold / release):
/// the run lock taken as a maintenance holder that never goes stale, so no run starts and the
/// sweeper stops nothing while someone repairs or inspects the nodes. Taken only when the lock is
/// free or takeable, like any holder; released only if it is a maintenance hold.
/// </summary>
public static partial class MaintenanceHold
{
    /// <summary>A maintenance hold's lease: it lasts until released.</summary>
    public static readonly DateTimeOffset Forever = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<string> HoldAsync(IRunLock runLock, PipelineSettings settings, TimeProvider clock, string? who, string? reason, CancellationToken cancellationToken)
    {
        var holder = RunIds.MaintenancePrefix + Who(who);
        if (reason is null || reason.Trim().Length == 0 || reason.Length > 200 || reason.Any(char.IsControl))
        {
            throw PipelineException.InvalidInput("--reason", "expected why the cluster is held: 1 to 200 characters without control characters");
        }

        var now = clock.GetUtcNow();
        var grant = await runLock.AcquireAsync(settings.ClusterName, new LockRequest(holder, HolderKind.Maintenance, now, Forever, reason.Trim()), cancellationToken).ConfigureAwait(false);
        if (grant is null)
        {
            var current = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
            throw new PipelineException(ErrorNames.ClusterBusy, $"cluster {settings.ClusterName} is {LockFence.Describe(current, now)}; try again when it is free");
        }

        return $"cluster {settings.ClusterName} held for maintenance by {holder[RunIds.MaintenancePrefix.Length..]} (token {grant.Token}): {reason.Trim()}. "
            + "No run starts and the sweeper stops nothing until ./pipeline release. Start or stop the nodes by hand as needed; stop them before you release.";
    }

    public static async Task<string> ReleaseAsync(IRunLock runLock, PipelineSettings settings, TimeProvider clock, CancellationToken cancellationToken)
    {
        var current = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        if (current is not { Holder: { } holder, Kind: HolderKind.Maintenance })
        {
            throw new PipelineException(ErrorNames.ClusterBusy, $"cluster {settings.ClusterName} has no maintenance hold to release ({LockFence.Describe(current, clock.GetUtcNow())}); nothing changed");
        }

        return await runLock.ReleaseAsync(settings.ClusterName, holder, current.Token, cancellationToken).ConfigureAwait(false)
            ? $"cluster {settings.ClusterName}: the maintenance hold by {holder[RunIds.MaintenancePrefix.Length..]} is released; the sweeper stops any node left running at its next run"
            : throw new PipelineException(ErrorNames.ClusterBusy, $"cluster {settings.ClusterName}: the hold changed while releasing it; look again");
    }

    private static string Who(string? who) =>
        who is not null && WhoPattern().IsMatch(who)
            ? who
            : throw PipelineException.InvalidInput("--who", $"expected who holds the cluster: 1-64 characters of A-Z, a-z, 0-9, '.', '_', '@' and '-', got {(who is null ? "nothing" : BatchDate.Describe(who))}");

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}\z")]
    private static partial Regex WhoPattern();
}
