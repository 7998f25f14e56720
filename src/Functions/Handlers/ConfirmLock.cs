using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// The first step of every cleanup: does this run still hold the lock? If so its lease is extended
/// and cleanup acts under the run's own token. If not (never taken, released, taken over, abandoned)
/// cleanup touches nothing. It never takes a free lock, so a cleanup started late cannot block the
/// run that starts next.
/// </summary>
public sealed class ConfirmLock(PipelineSettings settings, TimeProvider clock, IRunLock runLock)
    : Handler<RunInput, ConfirmLockOutput>(HandlerJson.Readable.RunInput, HandlerJson.Readable.ConfirmLockOutput)
{
    public override async Task<ConfirmLockOutput> HandleAsync(RunInput input, CancellationToken cancellationToken)
    {
        var runId = Inputs.RunId(input.RunId);
        var now = clock.GetUtcNow();
        var state = await runLock.GetAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        if (state is { Holder: { } holder, Abandoned: null } && holder == runId
            && await runLock.RenewAsync(settings.ClusterName, runId, state.Token, now.AddSeconds(settings.LockLeaseSeconds), cancellationToken).ConfigureAwait(false))
        {
            return new ConfirmLockOutput(true, new LockRef(runId, state.Token), $"run {runId} holds the lock of {settings.ClusterName} (token {state.Token}): cleaning up");
        }

        var detail = $"run {runId} does not hold the lock of {settings.ClusterName} ({LockFence.Describe(state, now)}): nothing to clean, nothing touched";
        RunLog.Write("ConfirmLock: " + detail);
        return new ConfirmLockOutput(false, null, detail);
    }
}
