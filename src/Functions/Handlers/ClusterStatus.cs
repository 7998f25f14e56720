using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Ready means every node is running and its agent takes commands (no fixed sleep as before).
/// Not ready past the deadline fails the run with Pipeline.ClusterStartTimeout, naming each laggard.
/// </summary>
public sealed class ClusterStatus(PipelineSettings settings, TimeProvider clock, IFleet fleet, ICommandRunner runner, IRunLock runLock)
    : Handler<ClusterStatusInput, ClusterStatusOutput>(HandlerJson.Readable.ClusterStatusInput, HandlerJson.Readable.ClusterStatusOutput)
{
    public override async Task<ClusterStatusOutput> HandleAsync(ClusterStatusInput input, CancellationToken cancellationToken)
    {
        var deadline = Inputs.Timestamp("readyDeadline", input.ReadyDeadline);
        var attempt = Math.Max(0, input.Attempt);
        // Every poll renews the lease: a run that is waiting is alive.
        await LockFence.HoldAsync(runLock, settings, clock, input.Lock, "ClusterStatus", cancellationToken).ConfigureAwait(false);
        var cluster = await ClusterNodes.FindCompleteAsync(fleet, settings, cancellationToken).ConfigureAwait(false);
        var nodes = cluster.All.ToList();

        // Waiting cannot help a node that EC2 started and that fell back to stopped: say why at once.
        var fellBack = nodes.Where(n => n.FellBackToStopped).ToList();
        if (fellBack.Count > 0)
        {
            throw new PipelineException(ErrorNames.NodeStartFailed, $"cluster {settings.ClusterName}: " + string.Join("; ", fellBack.Select(n => $"{n.InstanceId} ({n.Role.ToString().ToLowerInvariant()}) went back to stopped after it was started: {n.StateReason}"))
                + (fellBack.Any(n => n.StateReason!.Contains("KMS", StringComparison.OrdinalIgnoreCase)) ? "; the nodes' volumes need a KMS key the instances may use (deployment.ebsKmsKeyArn and its grants)" : ""));
        }

        // Nodes that were still stopping when StartCluster ran have stopped by now: start them too.
        var stopped = nodes.Where(n => n.State == "stopped").Select(n => n.InstanceId).ToList();
        if (stopped.Count > 0)
        {
            await fleet.StartAsync(stopped, cancellationToken).ConfigureAwait(false);
        }

        var running = nodes.Where(n => n.IsRunning).Select(n => n.InstanceId).ToList();
        var reachable = running.Count > 0
            ? await runner.ReachableAsync(running, cancellationToken).ConfigureAwait(false)
            : new HashSet<string>();
        var reports = nodes.Select(n => ClusterNodes.Report(n, n.IsRunning && reachable.Contains(n.InstanceId))).ToList();
        var laggards = reports.Where(r => r.Reachable != true).ToList();
        var ready = laggards.Count == 0 && !string.IsNullOrEmpty(cluster.Master.PrivateAddress);

        if (!ready && clock.GetUtcNow() > deadline)
        {
            var why = string.Join("; ", laggards.Select(r => r.State == "running"
                ? $"{r.InstanceId} ({r.Role}) running but its SSM agent is not online"
                : $"{r.InstanceId} ({r.Role}) {r.State}"));
            throw new PipelineException(ErrorNames.ClusterStartTimeout, $"cluster {settings.ClusterName} not ready by {input.ReadyDeadline}: {why}");
        }

        return new ClusterStatusOutput(
            ready,
            ready ? cluster.Master.PrivateAddress : null,
            reports,
            attempt + 1,
            Backoff.NextDelaySeconds(settings.Poll, attempt),
            input.ReadyDeadline!);
    }
}
