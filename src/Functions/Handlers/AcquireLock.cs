using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>One run per cluster. A lock older than the longest allowed run is stale and is taken over.</summary>
public sealed class AcquireLock(PipelineSettings settings, TimeProvider clock, IRunLock runLock)
    : Handler<RunInput, AcquireLockOutput>(HandlerJson.Readable.RunInput, HandlerJson.Readable.AcquireLockOutput)
{
    public override async Task<AcquireLockOutput> HandleAsync(RunInput input, CancellationToken cancellationToken)
    {
        var runId = Inputs.RunId(input.RunId);
        var now = clock.GetUtcNow();
        var staleBefore = now - TimeSpan.FromMinutes(settings.MaxRunMinutes);
        var take = await runLock.TryAcquireAsync(settings.ClusterName, runId, now, staleBefore, cancellationToken).ConfigureAwait(false);
        if (!take.Acquired)
        {
            var holder = take.Current;
            var detail = holder is null
                ? "another run"
                : $"run {holder.RunId} since {Inputs.Timestamp(holder.AcquiredAt)} (stale after {Inputs.Timestamp(holder.AcquiredAt + TimeSpan.FromMinutes(settings.MaxRunMinutes))})";
            throw new PipelineException(ErrorNames.ClusterBusy, $"cluster {settings.ClusterName} is held by {detail}");
        }

        var tookOver = take.Previous is { } previous && previous.RunId != runId ? previous.RunId : null;
        if (tookOver is not null)
        {
            RunLog.Write($"took over stale lock of {settings.ClusterName} from run {tookOver} (held since {Inputs.Timestamp(take.Previous!.AcquiredAt)})");
        }

        return new AcquireLockOutput(settings.ClusterName, runId, Inputs.Timestamp(now), tookOver);
    }
}
