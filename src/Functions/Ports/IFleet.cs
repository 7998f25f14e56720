using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Ports;

public enum NodeRole
{
    Master,
    Worker,
}

/// <summary>
/// One EC2 instance of the cluster as found by its tags; State is EC2's instance state name.
/// <see cref="SetupComplete"/>: the node tagged itself set up (NodeTags.Setup); <see cref="LaunchedAt"/>:
/// EC2's LaunchTime, the last time it was started.
/// </summary>
public sealed record ClusterNode(string InstanceId, NodeRole Role, string State, string? PrivateAddress, bool SetupComplete = true, DateTimeOffset? LaunchedAt = null)
{
    public bool IsRunning => State == "running";

    public bool IsStoppedOrStopping => State is "stopped" or "stopping";
}

/// <summary>The cluster's machines, found by tag at run time (no instance ids in configuration).</summary>
public interface IFleet
{
    /// <summary>Every non-terminated instance tagged with this cluster name and a master/worker role.</summary>
    Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken);

    /// <summary>Running instances tagged with this cluster name and this SparkRole (targets of command steps).</summary>
    Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken);

    Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);
}
