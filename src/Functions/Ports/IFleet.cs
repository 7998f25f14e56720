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
/// EC2's LaunchTime, the last time it was started; <see cref="StateReason"/>: EC2's StateReason
/// ("code: message"), why it last changed state.
/// </summary>
public sealed record ClusterNode(string InstanceId, NodeRole Role, string State, string? PrivateAddress, bool SetupComplete = true, DateTimeOffset? LaunchedAt = null, string? StateReason = null)
{
    /// <summary>
    /// Stopped for a reason other than a stop someone asked for (StopInstances, or the node shutting
    /// itself down after its set-up): EC2 started it and it fell back, e.g. an EBS key it may not use.
    /// </summary>
    public bool FellBackToStopped => State == "stopped" && StateReason is { } reason
        && !reason.StartsWith("Client.UserInitiatedShutdown", StringComparison.Ordinal)
        && !reason.StartsWith("Client.InstanceInitiatedShutdown", StringComparison.Ordinal);

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
