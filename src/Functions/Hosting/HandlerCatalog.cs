using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// The only place that knows both handlers and adapters: picks a handler by its state name and
/// gives it the AWS-backed ports it needs. Clients are shared for the life of the process.
/// </summary>
public static class HandlerCatalog
{
    public static readonly IReadOnlyList<string> Names =
    [
        nameof(ResolveRun), nameof(CheckInput), nameof(AcquireLock), nameof(StartCluster), nameof(ClusterStatus), nameof(StartSpark),
        nameof(SubmitStage), nameof(CommandStatus), nameof(VerifyOutput), nameof(StopSpark), nameof(StopCluster), nameof(ReleaseLock),
    ];

    public static IHandler Create(string name, PipelineSettings settings, TimeProvider clock, AwsClients aws) => name switch
    {
        nameof(ResolveRun) => new ResolveRun(settings, clock),
        nameof(CheckInput) => new CheckInput(settings, clock, new S3ObjectStore(aws.S3)),
        nameof(AcquireLock) => new AcquireLock(settings, clock, new DynamoDbRunLock(aws.DynamoDb, settings.LockTable)),
        nameof(StartCluster) => new StartCluster(settings, clock, new Ec2Fleet(aws.Ec2)),
        nameof(ClusterStatus) => new ClusterStatus(settings, clock, new Ec2Fleet(aws.Ec2), new SsmCommandRunner(aws.Ssm)),
        nameof(StartSpark) => new StartSpark(settings, clock, new Ec2Fleet(aws.Ec2), new SsmCommandRunner(aws.Ssm)),
        nameof(SubmitStage) => new SubmitStage(settings, clock, new Ec2Fleet(aws.Ec2), new SsmCommandRunner(aws.Ssm)),
        nameof(CommandStatus) => new CommandStatus(settings, clock, new SsmCommandRunner(aws.Ssm)),
        nameof(VerifyOutput) => new VerifyOutput(settings, clock, new S3ObjectStore(aws.S3)),
        nameof(StopSpark) => new StopSpark(settings, clock, new Ec2Fleet(aws.Ec2), new SsmCommandRunner(aws.Ssm)),
        nameof(StopCluster) => new StopCluster(settings, new Ec2Fleet(aws.Ec2)),
        nameof(ReleaseLock) => new ReleaseLock(settings, new DynamoDbRunLock(aws.DynamoDb, settings.LockTable)),
        _ => throw new PipelineException(ErrorNames.UnknownHandler, $"no handler named {BatchDate.Describe(name)}; expected one of {string.Join(", ", Names)}"),
    };
}
