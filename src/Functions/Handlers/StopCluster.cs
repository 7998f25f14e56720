using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>Stops every node of the cluster that is not already stopped, only while the run holds the lock; with nothing running it does nothing.</summary>
public sealed class StopCluster(PipelineSettings settings, TimeProvider clock, IFleet fleet, IRunLock runLock)
    : Handler<LockedInput, StopClusterOutput>(HandlerJson.Readable.LockedInput, HandlerJson.Readable.StopClusterOutput)
{
    public override async Task<StopClusterOutput> HandleAsync(LockedInput input, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(input.Lock);
        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var toStop = nodes.Where(n => !n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        var already = nodes.Where(n => n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        await LockFence.HoldAsync(runLock, settings, clock, runId, token, "StopCluster", cancellationToken).ConfigureAwait(false);
        if (toStop.Count > 0)
        {
            await fleet.StopAsync(toStop, cancellationToken).ConfigureAwait(false);
        }

        RunLog.Write($"StopCluster {settings.ClusterName}: stopping [{string.Join(", ", toStop)}], already stopped [{string.Join(", ", already)}]");
        return new StopClusterOutput(settings.ClusterName, toStop, already);
    }
}
