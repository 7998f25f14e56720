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
        var request = new DescribeInstancesRequest
        {
            Filters =
            [
                new Filter($"tag:{NodeTags.Cluster}", [clusterName]),
                new Filter($"tag:{NodeTags.Role}", [NodeTags.MasterRole, NodeTags.WorkerRole]),
                new Filter("instance-state-name", LiveStates),
            ],
        };
        var nodes = new List<ClusterNode>();
        do
        {
            var response = await ec2.DescribeInstancesAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var instance in (response.Reservations ?? []).SelectMany(r => r.Instances ?? []))
            {
                nodes.Add(ToNode(instance));
            }

            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return nodes.OrderBy(n => n.Role).ThenBy(n => n.InstanceId, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken)
    {
        var request = new DescribeInstancesRequest
        {
            Filters =
            [
                new Filter($"tag:{NodeTags.Cluster}", [clusterName]),
                new Filter($"tag:{NodeTags.Role}", [role]),
                new Filter("instance-state-name", ["running"]),
            ],
        };
        var ids = new List<string>();
        do
        {
            var response = await ec2.DescribeInstancesAsync(request, cancellationToken).ConfigureAwait(false);
            ids.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => i.InstanceId).Where(id => !string.IsNullOrEmpty(id)));
            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return ids.Order(StringComparer.Ordinal).ToList();
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
        return new ClusterNode(id, nodeRole, state, string.IsNullOrEmpty(instance.PrivateIpAddress) ? null : instance.PrivateIpAddress);
    }
}
