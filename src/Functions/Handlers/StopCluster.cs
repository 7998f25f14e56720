using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>Stops every node of the cluster that is not already stopped; with nothing running it does nothing.</summary>
public sealed class StopCluster(PipelineSettings settings, IFleet fleet)
    : Handler<EmptyInput, StopClusterOutput>(HandlerJson.Readable.EmptyInput, HandlerJson.Readable.StopClusterOutput)
{
    public override async Task<StopClusterOutput> HandleAsync(EmptyInput input, CancellationToken cancellationToken)
    {
        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var toStop = nodes.Where(n => !n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        var already = nodes.Where(n => n.IsStoppedOrStopping).Select(n => n.InstanceId).ToList();
        if (toStop.Count > 0)
        {
            await fleet.StopAsync(toStop, cancellationToken).ConfigureAwait(false);
        }

        RunLog.Write($"StopCluster {settings.ClusterName}: stopping [{string.Join(", ", toStop)}], already stopped [{string.Join(", ", already)}]");
        return new StopClusterOutput(settings.ClusterName, toStop, already);
    }
}
