using Amazon.CDK.AWS.EC2;
using Constructs;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// One VPC in one zone. By default no NAT gateway (it would cost more per month than the nodes):
/// the nodes sit in a public subnet with a public address, and their security group admits nothing
/// from outside, so they have outbound access only. With <c>natGateway</c> they move to a private
/// subnet behind one NAT gateway. S3 traffic takes the free gateway endpoint either way.
/// </summary>
public sealed class Network : Construct
{
    public const string NodeSubnetGroup = "Nodes";

    public Network(Construct scope, string id, DeploymentSettings deployment)
        : base(scope, id)
    {
        SubnetConfiguration[] subnets = deployment.NatGateway
            ?
            [
                new SubnetConfiguration { Name = "Public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = NodeSubnetGroup, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
            ]
            : [new SubnetConfiguration { Name = NodeSubnetGroup, SubnetType = SubnetType.PUBLIC, CidrMask = 24 }];

        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(deployment.VpcCidr),
            AvailabilityZones = [deployment.AvailabilityZone],
            NatGateways = deployment.NatGateway ? 1 : 0,
            SubnetConfiguration = subnets,
            // Nothing is placed in the default security group; restricting it would need a custom-resource Lambda.
            RestrictDefaultSecurityGroup = false,
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                ["S3"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 },
            },
        });

        ClusterSecurityGroup = new SecurityGroup(this, "ClusterSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "Spark nodes: unprivileged TCP ports among themselves only; no ingress from anywhere else (SSM instead of SSH)",
            AllowAllOutbound = false,
        });
        // Executors connect back to the driver on ephemeral ports, so a port list would not do; but
        // Spark never uses a privileged port, so those (SSH's 22 among them) stay closed even here.
        ClusterSecurityGroup.AddIngressRule(ClusterSecurityGroup, Port.TcpRange(SparkPortsFrom, 65535), "Spark master, workers, driver and UIs between cluster nodes (unprivileged ports only)");
        ClusterSecurityGroup.AddEgressRule(ClusterSecurityGroup, Port.TcpRange(SparkPortsFrom, 65535), "Spark traffic to the other cluster nodes");
        // SSM, S3, the package repositories and the Spark download all speak HTTPS.
        ClusterSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS to AWS APIs and package downloads");
    }

    /// <summary>The lowest port nodes may reach on each other: everything below is privileged and unused by Spark.</summary>
    public const int SparkPortsFrom = 1024;

    public Vpc Vpc { get; }

    public SecurityGroup ClusterSecurityGroup { get; }

    public SubnetSelection NodeSubnets => new() { SubnetGroupName = NodeSubnetGroup };
}
