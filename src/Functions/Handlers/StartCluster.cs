using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>Starts the stopped nodes of the cluster; running ones are left alone, so a retry is harmless.</summary>
public sealed class StartCluster(PipelineSettings settings, TimeProvider clock, IFleet fleet, IRunLock runLock)
    : Handler<LockedInput, StartClusterOutput>(HandlerJson.Readable.LockedInput, HandlerJson.Readable.StartClusterOutput)
{
    public override async Task<StartClusterOutput> HandleAsync(LockedInput input, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(input.Lock);
        var cluster = await ClusterNodes.FindCompleteAsync(fleet, settings, cancellationToken).ConfigureAwait(false);
        // A node still "stopping" cannot be started yet; ClusterStatus starts it once it has stopped.
        var toStart = cluster.All.Where(n => n.State == "stopped").Select(n => n.InstanceId).ToList();
        var already = cluster.All.Where(n => n.State is "running" or "pending").Select(n => n.InstanceId).ToList();
        await LockFence.HoldAsync(runLock, settings, clock, runId, token, "StartCluster", cancellationToken).ConfigureAwait(false);
        if (toStart.Count > 0)
        {
            await fleet.StartAsync(toStart, cancellationToken).ConfigureAwait(false);
        }

        RunLog.Write($"StartCluster {settings.ClusterName}: started [{string.Join(", ", toStart)}], already running [{string.Join(", ", already)}]");
        var deadline = clock.GetUtcNow().AddSeconds(settings.ClusterReadyTimeoutSeconds);
        return new StartClusterOutput(
            settings.ClusterName,
            toStart,
            already,
            cluster.All.Select(n => ClusterNodes.Report(n)).ToList(),
            Inputs.Timestamp(deadline),
            settings.Poll.InitialSeconds);
    }
}
