using System.Net;
using Amazon.EC2;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Emulator;

/// <summary>
/// The EC2 fleet adapter with the fault plan's AWS errors raised as EC2 itself would raise them, and
/// with nodes that fall back to stopped after a start (moto has no such failure): they are stopped
/// again at once and report the plan's StateReason until they next run, as EC2 reports it.
/// </summary>
public sealed class EmulatorFleet(IFleet inner, FaultPlan faults) : IFleet
{
    public async Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken)
    {
        Raise("DescribeInstances");
        var nodes = await inner.FindAsync(clusterName, cancellationToken).ConfigureAwait(false);
        var reasons = FellBack();
        return nodes.Select(n => n.State is "stopped" or "stopping" && reasons.TryGetValue(n.InstanceId, out var reason) ? n with { StateReason = reason } : n).ToList();
    }

    public Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken)
    {
        Raise("DescribeInstances");
        return inner.FindRunningByRoleAsync(clusterName, role, cancellationToken);
    }

    public async Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Raise("StartInstances");
        await inner.StartAsync(instanceIds, cancellationToken).ConfigureAwait(false);
        if (faults.StartFallsBack.Count == 0 || faults.UsedFile is null)
        {
            return;
        }

        var started = (await inner.FindAsync(Cluster, cancellationToken).ConfigureAwait(false)).Where(n => instanceIds.Contains(n.InstanceId));
        foreach (var node in started)
        {
            if (faults.FallBackDue(node.Role.ToString().ToLowerInvariant()) is { } fault)
            {
                // EC2 stops it, not the function: the emulator's own client, so no recording takes it for the function's call.
                await World.StopAsync([node.InstanceId], cancellationToken).ConfigureAwait(false);
                File.AppendAllLines(faults.UsedFile + ".fellback", [$"{node.InstanceId}\t{fault.Reason}"]);
            }
        }
    }

    public Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Raise("StopInstances");
        return inner.StopAsync(instanceIds, cancellationToken);
    }

    /// <summary>The cluster of this process's settings, for the lookup after a start (the port takes ids only).</summary>
    public string Cluster { get; init; } = "";

    /// <summary>The fleet as EC2 itself acts on it (a node falling back to stopped); the function's own fleet by default.</summary>
    public IFleet? EmulatorSide { get; init; }

    private IFleet World => EmulatorSide ?? inner;

    private Dictionary<string, string> FellBack()
    {
        var file = faults.UsedFile + ".fellback";
        return faults.UsedFile is not null && File.Exists(file)
            ? File.ReadAllLines(file).Select(l => l.Split('\t', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1])
            : [];
    }

    private void Raise(string operation)
    {
        if (faults.Due(operation) is { } fault)
        {
            throw new AmazonEC2Exception($"injected fault: {operation} answered {fault.Code}")
            {
                ErrorCode = fault.Code,
                StatusCode = fault.Code is "RequestLimitExceeded" or "Throttling" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.BadRequest,
            };
        }
    }
}
