using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>
/// One master and <c>workerCount</c> workers, found by the pipeline through their SparkCluster and
/// SparkRole tags. No key pair and no inbound port: operators and the pipeline reach them over SSM.
/// </summary>
public sealed class SparkCluster : Construct
{
    private const string RootDevice = "/dev/xvda";

    public SparkCluster(Construct scope, string id, AppSettings settings, Network network, IBucket bucket)
        : base(scope, id)
    {
        var pipeline = settings.Pipeline;
        var deployment = settings.Deployment;

        if (!string.IsNullOrEmpty(pipeline.CommandLogGroup))
        {
            CommandLogGroup = new LogGroup(this, "CommandLogs", new LogGroupProps
            {
                LogGroupName = pipeline.CommandLogGroup,
                Retention = Retention.Of(deployment.LogRetentionDays),
                // A kept group would block a later deploy of the same name.
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
        }

        // The Spark RPC secret. Secrets Manager, not an SSM SecureString parameter: CloudFormation can
        // have Secrets Manager generate the value at deploy time (GenerateSecretString), so it is in
        // neither the template nor this app, is encrypted at rest with KMS, and needs no custom
        // resource. A SecureString would need a Lambda of our own to generate and write it, with
        // ssm:PutParameter/DeleteParameter and a log group of its own; more code and more privilege
        // for the same result. The nodes read it with GetSecretValue on exactly this secret.
        AuthSecret = new Secret(this, "SparkAuthSecret", new SecretProps
        {
            Description = $"{pipeline.ClusterName}: shared secret of Spark RPC authentication (spark.authenticate.secret), read by the nodes at boot",
            GenerateSecretString = new SecretStringGenerator
            {
                // Letters and digits only: nothing a Java properties file or a shell could read differently.
                PasswordLength = AuthSecretLength,
                ExcludePunctuation = true,
                IncludeSpace = false,
            },
            // Only this cluster uses it; a new deploy generates a new one and the nodes read it at boot.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Role = new Role(this, "NodeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = $"Spark nodes of {pipeline.ClusterName}: SSM agent, the data bucket's pipeline prefixes, command logs, the Spark secret",
            // The one managed policy: what the SSM agent needs to take commands and sessions.
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
        });
        foreach (var statement in NodePermissions.Statements(settings, bucket, CommandLogGroup, AuthSecret))
        {
            Role.AddToPolicy(statement);
        }

        NodeImage = NodeImage.Choose(this, settings);
        var image = MachineImage.GenericLinux(new Dictionary<string, string> { [deployment.Region] = NodeImage.ImageId });

        // Without a key of its own the volume uses the account's default EBS key. Naming the key here
        // makes the grants below explicit instead of depending on the account's default.
        var volumeKey = string.IsNullOrEmpty(deployment.EbsKmsKeyArn) ? null : Key.FromKeyArn(this, "VolumeKey", deployment.EbsKmsKeyArn);
        VolumeKeyArn = volumeKey?.KeyArn;

        Master = Node(NodeTags.MasterRole, "Master", $"{pipeline.ClusterName}-master", deployment.MasterInstanceType);
        Workers = Enumerable.Range(1, pipeline.WorkerCount)
            .Select(i => Node(NodeTags.WorkerRole, $"Worker{i}", $"{pipeline.ClusterName}-worker-{i}", deployment.WorkerInstanceType))
            .ToList();

        Instance_ Node(string role, string id, string name, string instanceType)
        {
            var userData = UserData.ForLinux();
            var node = new Instance_(this, id, new InstanceProps
            {
                Vpc = network.Vpc,
                VpcSubnets = network.NodeSubnets,
                SecurityGroup = network.ClusterSecurityGroup,
                Role = Role,
                InstanceType = new InstanceType(instanceType),
                MachineImage = image,
                InstanceName = name,
                UserData = userData,
                // Nodes hold nothing: a changed set-up (e.g. another Spark version) is a fresh node.
                UserDataCausesReplacement = true,
                RequireImdsv2 = true,
                PropagateTagsToVolumeOnCreation = true,
                BlockDevices =
                [
                    new BlockDevice
                    {
                        DeviceName = RootDevice,
                        Volume = BlockDeviceVolume.Ebs(deployment.RootVolumeGiB, new EbsDeviceOptions
                        {
                            VolumeType = EbsDeviceVolumeType.GP3,
                            Encrypted = true,
                            DeleteOnTermination = true,
                            KmsKey = volumeKey,
                        }),
                    },
                ],
            });
            // Rendered lazily, so the user data may name the node's own logical id (as CDK's cfn-init
            // support does): the resource cfn-signal reports to.
            var cfn = (CfnInstance)node.Node.DefaultChild!;
            var signal = new NodeSignal(Stack.Of(this).StackName, cfn.LogicalId);
            // CloudFormation counts a node as created once it signals that its set-up finished and passed
            // its smoke check (cdk/spark-node-ready.sh), not merely once it runs: `cdk deploy` ends when
            // the cluster is usable, or fails with the node's reason.
            cfn.CfnOptions.CreationPolicy = new CfnCreationPolicy
            {
                ResourceSignal = new CfnResourceSignal { Count = 1, Timeout = Duration.Minutes(deployment.NodeSetupTimeoutMinutes).ToIsoString() },
            };
            userData.AddCommands([.. NodeSetupScript.Lines(settings, role, AuthSecret.SecretArn, signal)]);
            Tags.Of(node).Add(NodeTags.Cluster, pipeline.ClusterName);
            Tags.Of(node).Add(NodeTags.Role, role);
            return node;
        }
    }

    /// <summary>Characters of the generated Spark secret (letters and digits).</summary>
    public const int AuthSecretLength = 64;

    public Role Role { get; }

    /// <summary>The AMI every node runs, fixed at synth, and where it came from.</summary>
    public NodeImage NodeImage { get; }

    /// <summary>The customer-managed key of the root volumes, or null for the AWS-managed key.</summary>
    public string? VolumeKeyArn { get; }

    public Secret AuthSecret { get; }

    public LogGroup? CommandLogGroup { get; }

    public Instance_ Master { get; }

    public IReadOnlyList<Instance_> Workers { get; }

    public IEnumerable<Instance_> Nodes => [Master, .. Workers];

    /// <summary>ARNs of exactly this cluster's instances, for the functions that start, stop and command them.</summary>
    public IReadOnlyList<string> InstanceArns => Nodes
        .Select(n => Stack.Of(this).FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = n.InstanceId }))
        .ToList();
}
