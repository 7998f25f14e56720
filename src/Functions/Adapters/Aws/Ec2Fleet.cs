using Amazon.EC2;
using Amazon.EC2.Model;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Aws;

/// <summary>Finds the cluster by its SparkCluster/SparkRole tags and starts or stops it.</summary>
public sealed class Ec2Fleet(IAmazonEC2 ec2) : IFleet
{
    private static readonly List<string> LiveStates = ["pending", "running", "stopping", "stopped"];

    public async Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken)
    {
        var instances = await DescribeAsync(clusterName, [NodeTags.MasterRole, NodeTags.WorkerRole], LiveStates, cancellationToken).ConfigureAwait(false);
        return instances.Select(ToNode).OrderBy(n => n.Role).ThenBy(n => n.InstanceId, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken)
    {
        var instances = await DescribeAsync(clusterName, [role], ["running"], cancellationToken).ConfigureAwait(false);
        return instances.Select(i => i.InstanceId).Where(id => !string.IsNullOrEmpty(id)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every page of the instances tagged with this cluster and one of these roles, in these states.</summary>
    private async Task<List<Instance>> DescribeAsync(string clusterName, List<string> roles, List<string> states, CancellationToken cancellationToken)
    {
        var request = new DescribeInstancesRequest
        {
            Filters =
            [
                new Filter($"tag:{NodeTags.Cluster}", [clusterName]),
                new Filter($"tag:{NodeTags.Role}", roles),
                new Filter("instance-state-name", states),
            ],
        };
        var instances = new List<Instance>();
        do
        {
            var response = await ec2.DescribeInstancesAsync(request, cancellationToken).ConfigureAwait(false);
            instances.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? []));
            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return instances;
    }

    public Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken);

    public Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken);

    private static ClusterNode ToNode(Instance instance)
    {
        var id = instance.InstanceId;
        var role = instance.Tags?.FirstOrDefault(t => t.Key == NodeTags.Role)?.Value;
        var state = instance.State?.Name?.Value;
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(state))
        {
            throw new PipelineException(ErrorNames.AwsResponseInvalid, $"DescribeInstances returned an instance without {(string.IsNullOrEmpty(id) ? "an id" : "a state")}");
        }

        var nodeRole = role switch
        {
            NodeTags.MasterRole => NodeRole.Master,
            NodeTags.WorkerRole => NodeRole.Worker,
            _ => throw new PipelineException(ErrorNames.AwsResponseInvalid, $"instance {id} has {NodeTags.Role}={role}, expected {NodeTags.MasterRole} or {NodeTags.WorkerRole}"),
        };
        var setUp = instance.Tags?.Any(t => t.Key == NodeTags.Setup && t.Value == NodeTags.SetupComplete) == true;
        DateTimeOffset? launched = instance.LaunchTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc)) : null;
        var reason = instance.StateReason is { Code: { Length: > 0 } code } stateReason ? $"{code}: {stateReason.Message}" : null;
        return new ClusterNode(id, nodeRole, state, string.IsNullOrEmpty(instance.PrivateIpAddress) ? null : instance.PrivateIpAddress, setUp, launched, reason);
    }
}
