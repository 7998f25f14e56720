using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class NetworkTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_cluster_security_group_declares_no_inline_ingress()
    {
        var group = Assert.Single(Default.Resources("AWS::EC2::SecurityGroup"));

        Assert.Null(group.Resource["Properties"]!["SecurityGroupIngress"]);
    }

    [Fact]
    public void The_only_ingress_is_unprivileged_TCP_from_the_cluster_itself()
    {
        var group = Assert.Single(Default.Resources("AWS::EC2::SecurityGroup"));
        var ingress = Assert.Single(Default.Resources("AWS::EC2::SecurityGroupIngress")).Resource["Properties"]!;

        Assert.Equal("tcp", ingress["IpProtocol"]!.GetValue<string>());
        Assert.Equal(1024, ingress["FromPort"]!.GetValue<int>());
        Assert.Equal(65535, ingress["ToPort"]!.GetValue<int>());
        Assert.Equal(group.Id, ingress["SourceSecurityGroupId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
        Assert.Equal(group.Id, ingress["GroupId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
    }

    [Fact]
    public void No_ingress_rule_of_any_security_group_names_an_address_range()
    {
        var rules = IngressRules().ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, r =>
        {
            Assert.Null(r["CidrIp"]);
            Assert.Null(r["CidrIpv6"]);
            Assert.Null(r["SourcePrefixListId"]);
            Assert.NotNull(r["SourceSecurityGroupId"]);
        });
    }

    [Fact]
    public void No_ingress_rule_opens_port_22()
    {
        Assert.All(IngressRules(), r =>
        {
            Assert.Equal("tcp", r["IpProtocol"]!.GetValue<string>());
            Assert.False(r["FromPort"]!.GetValue<int>() <= 22 && 22 <= r["ToPort"]!.GetValue<int>(), r.ToJsonString());
        });
    }

    [Fact]
    public void Outbound_is_HTTPS_anywhere_and_TCP_to_the_cluster_only()
    {
        var group = Assert.Single(Default.Resources("AWS::EC2::SecurityGroup"));
        var inline = Assert.Single(group.Resource["Properties"]!["SecurityGroupEgress"]!.AsArray())!;
        var toSelf = Assert.Single(Default.Resources("AWS::EC2::SecurityGroupEgress")).Resource["Properties"]!;

        Assert.Equal(("0.0.0.0/0", 443, 443), (inline["CidrIp"]!.GetValue<string>(), inline["FromPort"]!.GetValue<int>(), inline["ToPort"]!.GetValue<int>()));
        Assert.Equal(group.Id, toSelf["DestinationSecurityGroupId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
    }

    /// <summary>Inline ingress of every security group and every standalone ingress resource.</summary>
    private static IEnumerable<JsonNode> IngressRules() =>
        Default.Resources("AWS::EC2::SecurityGroup").SelectMany(g => g.Resource["Properties"]!["SecurityGroupIngress"]?.AsArray() ?? []).Select(r => r!)
            .Concat(Default.Resources("AWS::EC2::SecurityGroupIngress").Select(i => i.Resource["Properties"]!));

    [Fact]
    public void No_NAT_gateway_by_default()
    {
        Default.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
    }

    [Fact]
    public void Without_NAT_the_nodes_get_public_addresses_for_outbound_traffic()
    {
        var subnet = Assert.Single(Default.Resources("AWS::EC2::Subnet")).Resource["Properties"]!;

        Assert.True(subnet["MapPublicIpOnLaunch"]!.GetValue<bool>());
    }

    [Fact]
    public void With_NAT_the_nodes_move_to_a_private_subnet()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["natGateway"] = true);
        var nodeSubnets = synthesized.Resources("AWS::EC2::Instance")
            .Select(i => i.Resource["Properties"]!["SubnetId"]!["Ref"]!.GetValue<string>()).Distinct();

        synthesized.Template.ResourceCountIs("AWS::EC2::NatGateway", 1);
        Assert.All(nodeSubnets, id => Assert.False(synthesized.Resource(id)["Properties"]!["MapPublicIpOnLaunch"]!.GetValue<bool>()));
    }

    [Fact]
    public void S3_is_reached_through_a_gateway_endpoint()
    {
        var endpoint = Assert.Single(Default.Resources("AWS::EC2::VPCEndpoint")).Resource["Properties"]!;

        Assert.Equal("Gateway", endpoint["VpcEndpointType"]!.GetValue<string>());
        Assert.EndsWith(".s3\"]]}", endpoint["ServiceName"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void All_nodes_sit_in_the_configured_zone()
    {
        Assert.All(Default.Resources("AWS::EC2::Subnet"), s => Assert.Equal("ap-northeast-2a", s.Resource["Properties"]!["AvailabilityZone"]!.GetValue<string>()));
    }

    [Fact]
    public void A_concrete_account_synthesizes_offline_in_the_configured_zone()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["account"] = "123456789012");

        Assert.All(synthesized.Resources("AWS::EC2::Subnet"), s => Assert.Equal("ap-northeast-2a", s.Resource["Properties"]!["AvailabilityZone"]!.GetValue<string>()));
    }
}
