using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>Idempotent and holder-only: releasing with a token that no longer holds the lock changes nothing.</summary>
public sealed class ReleaseLock(PipelineSettings settings, TimeProvider clock, IRunLock runLock)
    : Handler<LockedInput, ReleaseLockOutput>(HandlerJson.Readable.LockedInput, HandlerJson.Readable.ReleaseLockOutput)
{
    public override async Task<ReleaseLockOutput> HandleAsync(LockedInput input, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(input.Lock);
        if (await runLock.ReleaseAsync(settings.ClusterName, runId, token, cancellationToken).ConfigureAwait(false))
        {
            return new ReleaseLockOutput(settings.ClusterName, runId, true, null);
        }

        var current = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        RunLog.Write($"ReleaseLock {settings.ClusterName}: {runId} (token {token}) does not hold it, {LockFence.Describe(current, clock.GetUtcNow())}; left as it is");
        return new ReleaseLockOutput(settings.ClusterName, runId, false, current?.Holder);
    }
}
