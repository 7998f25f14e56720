using Amazon.SimpleSystemsManagement;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Adapters.Emulator;
using Pipeline.Functions.Adapters.Local;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Hosting;

/// <summary>Which adapters stand behind the ports in this process: AWS itself, or a local AWS emulator.</summary>
public interface IPortFactory
{
    IObjectStore ObjectStore();

    IFleet Fleet();

    ICommandRunner Commands();

    IRunLock RunLock();
}

/// <summary>Production: the AWS adapters on clients shared for the life of the process.</summary>
public sealed class AwsPorts(AwsClients aws, PipelineSettings settings) : IPortFactory
{
    public IObjectStore ObjectStore() => new S3ObjectStore(aws.S3);

    public IFleet Fleet() => new Ec2Fleet(aws.Ec2);

    public ICommandRunner Commands() => new SsmCommandRunner(aws.Ssm);

    public IRunLock RunLock() => new DynamoDbRunLock(aws.DynamoDb, settings.LockTable);
}

/// <summary>
/// PIPELINE_LOCAL_EMULATOR=moto: the same AWS adapters against moto, plus what moto cannot do
/// (agent reachability, command outcomes, injected faults). Never set in a deployed stack.
/// </summary>
public sealed class EmulatorPorts(AwsClients aws, PipelineSettings settings, FaultPlan faults) : IPortFactory
{
    public const string Variable = "PIPELINE_LOCAL_EMULATOR";

    public IObjectStore ObjectStore() => new S3ObjectStore(aws.S3);

    public IFleet Fleet() => new EmulatorFleet(new Ec2Fleet(aws.Ec2), faults) { Cluster = settings.ClusterName, EmulatorSide = new Ec2Fleet(EmulatorEc2.Value) };

    public ICommandRunner Commands() => new EmulatorCommandRunner(new SsmCommandRunner(aws.Ssm), EmulatorSsm.Value, Fleet(), settings.ClusterName, faults);

    /// <summary>
    /// The emulator's own SSM reads (a command's comment, to apply the fault plan) are not calls of the
    /// deployed function: a client of their own, named "emulator" in its user agent, keeps them apart
    /// from the function's requests in the IAM evaluation of recorded requests.
    /// </summary>
    private static readonly Lazy<IAmazonSimpleSystemsManagement> EmulatorSsm = new(() =>
        new AmazonSimpleSystemsManagementClient(new AmazonSimpleSystemsManagementConfig { ClientAppId = EmulatorClientAppId }));

    public const string EmulatorClientAppId = "emulator";

    /// <summary>What EC2 itself does in the emulator (stopping a node that falls back), kept apart from the function's calls the same way.</summary>
    public static readonly Lazy<Amazon.EC2.IAmazonEC2> EmulatorEc2 = new(() =>
        new Amazon.EC2.AmazonEC2Client(new Amazon.EC2.AmazonEC2Config { ClientAppId = EmulatorClientAppId }));

    public IRunLock RunLock() => new DynamoDbRunLock(aws.DynamoDb, settings.LockTable);

    /// <summary>
    /// PIPELINE_LOCAL_NOW (an ISO-8601 instant) fixes the handlers' clock, so a harness can move time
    /// (leases running out) without waiting. Honoured only with an emulator; a deployed function
    /// always reads the system clock.
    /// </summary>
    public const string NowVariable = "PIPELINE_LOCAL_NOW";

    public static TimeProvider Clock(Func<string, string?> environment)
    {
        if (string.IsNullOrEmpty(environment(Variable)) || environment(NowVariable) is not { Length: > 0 } now)
        {
            return TimeProvider.System;
        }

        return DateTimeOffset.TryParse(now, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? new FixedTimeProvider(at)
            : throw new PipelineException(ErrorNames.InvalidSettings, $"{NowVariable}: expected an ISO-8601 instant, got {BatchDate.Describe(now)}");
    }

    /// <summary>The fault plan of an emulator run; none against AWS.</summary>
    public static FaultPlan Faults(Func<string, string?> environment) =>
        string.IsNullOrEmpty(environment(Variable)) ? new FaultPlan() : FaultPlan.Load(environment);

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public static IPortFactory For(Func<string, string?> environment, AwsClients aws, PipelineSettings settings) =>
        environment(Variable) switch
        {
            null or "" => new AwsPorts(aws, settings),
            "moto" => new EmulatorPorts(aws, settings, FaultPlan.Load(environment)),
            "local" => new LocalPorts(aws, settings, FaultPlan.Load(environment), Required(environment, LocalCommandRunner.RootVariable), Required(environment, LocalCommandRunner.PrologueVariable)),
            var other => throw new PipelineException(ErrorNames.InvalidSettings, $"{Variable}: expected \"moto\", \"local\" or nothing, got {BatchDate.Describe(other)}"),
        };

    private static string Required(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value
            ? value
            : throw new PipelineException(ErrorNames.InvalidSettings, $"{name} must be set when {Variable}=local");
}

/// <summary>
/// PIPELINE_LOCAL_EMULATOR=local (./pipeline local): S3, EC2 and DynamoDB in moto, and the nodes'
/// commands really executed on this machine by <see cref="LocalCommandRunner"/>. Every node is this
/// machine, so its private address is the loopback address.
/// </summary>
public sealed class LocalPorts(AwsClients aws, PipelineSettings settings, FaultPlan faults, string root, string prologue) : IPortFactory
{
    public IObjectStore ObjectStore() => new S3ObjectStore(aws.S3);

    public IFleet Fleet() => new LocalFleet(new EmulatorFleet(new Ec2Fleet(aws.Ec2), faults) { Cluster = settings.ClusterName, EmulatorSide = new Ec2Fleet(EmulatorPorts.EmulatorEc2.Value) }, root);

    public ICommandRunner Commands() => new LocalCommandRunner(root, prologue, Fleet(), settings.ClusterName, faults);

    public IRunLock RunLock() => new DynamoDbRunLock(aws.DynamoDb, settings.LockTable);
}
