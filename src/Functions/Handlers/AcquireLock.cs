using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// One run per cluster. The lock is granted with a fencing token and a lease; it is taken over only
/// when free, abandoned by a failed cleanup, or not renewed within its lease: never by age.
/// </summary>
public sealed class AcquireLock(PipelineSettings settings, TimeProvider clock, IRunLock runLock)
    : Handler<RunInput, AcquireLockOutput>(HandlerJson.Readable.RunInput, HandlerJson.Readable.AcquireLockOutput)
{
    public override async Task<AcquireLockOutput> HandleAsync(RunInput input, CancellationToken cancellationToken)
    {
        var runId = Inputs.RunId(input.RunId);
        var now = clock.GetUtcNow();
        var grant = await runLock.AcquireAsync(settings.ClusterName, new LockRequest(runId, HolderKind.Run, now, now.AddSeconds(settings.LockLeaseSeconds)), cancellationToken).ConfigureAwait(false);
        if (grant is null)
        {
            var current = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
            throw new PipelineException(ErrorNames.ClusterBusy, $"cluster {settings.ClusterName} is {LockFence.Describe(current, now)}");
        }

        var previous = grant.Previous;
        var tookOver = previous is { Holder: { } holder } && holder != runId ? holder : null;
        if (tookOver is not null)
        {
            RunLog.Write($"took over the lock of {settings.ClusterName} from {tookOver}: {LockFence.Describe(previous, now)}");
        }

        return new AcquireLockOutput(settings.ClusterName, runId, grant.Token, Inputs.Timestamp(now), Inputs.Timestamp(grant.LeaseUntil), tookOver);
    }
}
