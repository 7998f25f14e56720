using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Emulator;

/// <summary>
/// SSM agents where there is no SSM (moto has no DescribeInstanceInformation; local nodes have no
/// agent): an agent is online when its instance runs, unless the fault plan keeps its role offline.
/// </summary>
public static class EmulatedAgents
{
    public static async Task<IReadOnlySet<string>> ReachableAsync(IFleet fleet, string clusterName, FaultPlan faults, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        var nodes = await fleet.FindAsync(clusterName, cancellationToken).ConfigureAwait(false);
        return nodes
            .Where(n => n.IsRunning && instanceIds.Contains(n.InstanceId))
            .Where(n => !faults.AgentsOffline.Contains(n.Role == NodeRole.Master ? NodeTags.MasterRole : NodeTags.WorkerRole))
            .Select(n => n.InstanceId)
            .ToHashSet();
    }
}
