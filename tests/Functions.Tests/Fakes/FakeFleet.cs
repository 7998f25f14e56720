using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>Nodes kept in a list; start and stop change their state at once and are recorded.</summary>
public sealed class FakeFleet : IFleet
{
    public List<ClusterNode> Nodes { get; } = [];

    public List<string> Calls { get; } = [];

    public static FakeFleet Cluster(string state = "stopped", int workers = 2)
    {
        var fleet = new FakeFleet();
        fleet.Nodes.Add(new ClusterNode("i-0000000000000000a", NodeRole.Master, state, "10.0.1.10"));
        for (var i = 0; i < workers; i++)
        {
            fleet.Nodes.Add(new ClusterNode($"i-000000000000000b{i}", NodeRole.Worker, state, $"10.0.1.{20 + i}"));
        }

        return fleet;
    }

    public string MasterId => Nodes.First(n => n.Role == NodeRole.Master).InstanceId;

    public IReadOnlyList<string> WorkerIds => Nodes.Where(n => n.Role == NodeRole.Worker).Select(n => n.InstanceId).ToList();

    public void SetState(string instanceId, string state)
    {
        var i = Nodes.FindIndex(n => n.InstanceId == instanceId);
        Nodes[i] = Nodes[i] with { State = state };
    }

    public Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken)
    {
        Calls.Add($"find {clusterName}");
        return Task.FromResult<IReadOnlyList<ClusterNode>>(Nodes.ToList());
    }

    /// <summary>Extra tagged nodes outside master/worker, e.g. a serving host: (id, role, state).</summary>
    public List<(string Id, string Role, string State)> Tagged { get; } = [];

    public Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken)
    {
        Calls.Add($"find {clusterName} role={role}");
        var roleNodes = role switch
        {
            "master" => Nodes.Where(n => n.Role == NodeRole.Master).Select(n => (n.InstanceId, n.State)),
            "worker" => Nodes.Where(n => n.Role == NodeRole.Worker).Select(n => (n.InstanceId, n.State)),
            _ => Tagged.Where(t => t.Role == role).Select(t => (t.Id, t.State)),
        };
        return Task.FromResult<IReadOnlyList<string>>(roleNodes.Where(n => n.Item2 == "running").Select(n => n.Item1).ToList());
    }

    public Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Calls.Add("start " + string.Join(",", instanceIds));
        foreach (var id in instanceIds)
        {
            SetState(id, "pending");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Calls.Add("stop " + string.Join(",", instanceIds));
        foreach (var id in instanceIds)
        {
            SetState(id, "stopping");
        }

        return Task.CompletedTask;
    }
}
