using Amazon.EC2.Model;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Adapters;

[Collection(MotoCollection.Name)]
public sealed class Ec2FleetTests(MotoFixture moto)
{
    private static string NewCluster() => "c-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Finds_the_cluster_by_tag_with_roles_and_private_addresses()
    {
        var cluster = NewCluster();
        var ids = await moto.LaunchClusterAsync(cluster, workers: 2);
        await moto.LaunchClusterAsync(NewCluster(), workers: 1); // another cluster: must not be found
        var nodes = await new Ec2Fleet(moto.Aws.Ec2).FindAsync(cluster, CancellationToken.None);
        Assert.Equal(ids.Order(StringComparer.Ordinal), nodes.Select(n => n.InstanceId).Order(StringComparer.Ordinal));
        Assert.Equal(ids[0], Assert.Single(nodes, n => n.Role == NodeRole.Master).InstanceId);
        Assert.All(nodes, n => Assert.False(string.IsNullOrEmpty(n.PrivateAddress)));
    }

    [Fact]
    public async Task Stop_then_start_changes_the_state_and_repeating_either_is_harmless()
    {
        var cluster = NewCluster();
        var ids = await moto.LaunchClusterAsync(cluster, workers: 1);
        var fleet = new Ec2Fleet(moto.Aws.Ec2);
        await fleet.StopAsync(ids, CancellationToken.None);
        await fleet.StopAsync(ids, CancellationToken.None);
        Assert.All(await fleet.FindAsync(cluster, CancellationToken.None), n => Assert.True(n.IsStoppedOrStopping));
        await fleet.StartAsync(ids, CancellationToken.None);
        await fleet.StartAsync(ids, CancellationToken.None);
        Assert.All(await fleet.FindAsync(cluster, CancellationToken.None), n => Assert.Contains(n.State, new[] { "pending", "running" }));
    }

    [Fact]
    public async Task Terminated_nodes_are_not_part_of_the_cluster()
    {
        var cluster = NewCluster();
        var ids = await moto.LaunchClusterAsync(cluster, workers: 2);
        await moto.Aws.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [ids[2]] });
        var nodes = await new Ec2Fleet(moto.Aws.Ec2).FindAsync(cluster, CancellationToken.None);
        Assert.DoesNotContain(nodes, n => n.InstanceId == ids[2]);
        Assert.Equal(2, nodes.Count);
    }

    [Fact]
    public async Task A_cluster_with_no_nodes_is_an_empty_list()
    {
        Assert.Empty(await new Ec2Fleet(moto.Aws.Ec2).FindAsync(NewCluster(), CancellationToken.None));
    }

    [Fact]
    public async Task A_node_whose_tags_were_changed_is_no_longer_part_of_the_cluster()
    {
        var cluster = NewCluster();
        var ids = await moto.LaunchClusterAsync(cluster, workers: 2);
        await moto.Aws.Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [ids[1]], Tags = [new Tag("SparkRole", "retired")] });
        var nodes = await new Ec2Fleet(moto.Aws.Ec2).FindAsync(cluster, CancellationToken.None);
        Assert.DoesNotContain(nodes, n => n.InstanceId == ids[1]);
    }

    [Fact]
    public async Task A_vanished_worker_stops_the_run_with_NodesMissing_naming_what_was_found()
    {
        var cluster = NewCluster();
        var ids = await moto.LaunchClusterAsync(cluster, workers: 2);
        await moto.Aws.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [ids[2]] });
        var settings = Pipeline.Functions.Domain.PipelineSettings.PotholePipeline with { ClusterName = cluster };
        var held = Fakes.Locks.Held(clusterName: cluster);
        var handler = new Pipeline.Functions.Handlers.StartCluster(settings, TimeProvider.System, new Ec2Fleet(moto.Aws.Ec2), held.Lock);
        var e = await Assert.ThrowsAsync<Pipeline.Functions.Domain.PipelineException>(() => handler.HandleAsync(new Pipeline.Functions.Handlers.LockedInput(held.Ref), CancellationToken.None));
        Assert.Equal(Pipeline.Functions.Domain.ErrorNames.NodesMissing, e.ErrorName);
        Assert.Contains($"found 1 master(s) [{ids[0]}] and 1 worker(s) [{ids[1]}]", e.Message, StringComparison.Ordinal);
    }
}
