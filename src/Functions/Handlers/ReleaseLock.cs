using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>Idempotent and holder-only: releasing a free lock, or one another run holds, changes nothing.</summary>
public sealed class ReleaseLock(PipelineSettings settings, IRunLock runLock)
    : Handler<RunInput, ReleaseLockOutput>(HandlerJson.Readable.RunInput, HandlerJson.Readable.ReleaseLockOutput)
{
    public override async Task<ReleaseLockOutput> HandleAsync(RunInput input, CancellationToken cancellationToken)
    {
        var runId = Inputs.RunId(input.RunId);
        var (released, holder) = await runLock.ReleaseAsync(settings.ClusterName, runId, cancellationToken).ConfigureAwait(false);
        if (!released && holder is not null)
        {
            RunLog.Write($"lock of {settings.ClusterName} is held by run {holder.RunId}, not {runId}; left as it is");
        }

        return new ReleaseLockOutput(settings.ClusterName, runId, released, holder?.RunId);
    }
}
