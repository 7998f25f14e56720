using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// When cleanup cannot stop the nodes: the lock is marked abandoned (takeable at once), so the
/// sweeper stops them at its next run instead of after the lease; the nodes still running are named
/// for the run's error and record.
/// </summary>
public sealed class AbandonLock(PipelineSettings settings, IFleet fleet, IRunLock runLock)
    : Handler<AbandonLockInput, AbandonLockOutput>(HandlerJson.Readable.AbandonLockInput, HandlerJson.Readable.AbandonLockOutput)
{
    public const int MaxReasonLength = 500;

    public override async Task<AbandonLockOutput> HandleAsync(AbandonLockInput input, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(input.Lock);
        var reason = string.IsNullOrWhiteSpace(input.Reason) ? "cleanup failed" : input.Reason.Length > MaxReasonLength ? input.Reason[..MaxReasonLength] + "…" : input.Reason;
        var abandoned = await runLock.AbandonAsync(settings.ClusterName, runId, token, reason, cancellationToken).ConfigureAwait(false);
        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var left = nodes.Where(n => !n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        var detail = abandoned
            ? $"lock of {settings.ClusterName} marked abandoned by {runId}: the sweeper stops [{string.Join(", ", left)}] at its next run"
            : $"{runId} (token {token}) no longer held the lock of {settings.ClusterName}; its holder owns [{string.Join(", ", left)}]";
        RunLog.Write("AbandonLock: " + detail);
        return new AbandonLockOutput(abandoned, left, detail);
    }
}
