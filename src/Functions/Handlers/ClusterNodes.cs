using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>The cluster as found by tag, checked against the settings: one master and workerCount workers.</summary>
public sealed record ClusterNodes(ClusterNode Master, IReadOnlyList<ClusterNode> Workers)
{
    public IEnumerable<ClusterNode> All => Workers.Prepend(Master);

    public static async Task<ClusterNodes> FindCompleteAsync(IFleet fleet, PipelineSettings settings, CancellationToken cancellationToken)
    {
        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var masters = nodes.Where(n => n.Role == NodeRole.Master).ToList();
        var workers = nodes.Where(n => n.Role == NodeRole.Worker).ToList();
        if (masters.Count != 1 || workers.Count != settings.WorkerCount)
        {
            throw new PipelineException(
                ErrorNames.NodesMissing,
                $"cluster {settings.ClusterName}: expected 1 master and {settings.WorkerCount} workers tagged {NodeTags.Cluster}={settings.ClusterName}, "
                + $"found {masters.Count} master(s) [{Ids(masters)}] and {workers.Count} worker(s) [{Ids(workers)}]");
        }

        return new ClusterNodes(masters[0], workers);
    }

    public static NodeReport Report(ClusterNode node, bool? reachable = null) =>
        new(node.InstanceId, node.Role == NodeRole.Master ? NodeTags.MasterRole : NodeTags.WorkerRole, node.State, node.PrivateAddress, reachable);

    public static string Ids(IEnumerable<ClusterNode> nodes) => string.Join(", ", nodes.Select(n => n.InstanceId));
}
