using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;
using Constructs;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// Everything that runs the pipeline without a server: the lock table, the functions, the pipeline
/// and cleanup state machines, the daily schedule and the failure alerts.
/// </summary>
public sealed class Orchestration : Construct
{
    public const string RunShellScript = "AWS-RunShellScript";

    public Orchestration(Construct scope, string id, AppSettings settings, IBucket bucket, SparkCluster cluster)
        : base(scope, id)
    {
        var pipeline = settings.Pipeline;
        var deployment = settings.Deployment;
        var stack = Stack.Of(this);

        LockTable = new Table(this, "LockTable", new TableProps
        {
            TableName = pipeline.LockTable,
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = LockKey, Type = AttributeType.STRING },
            BillingMode = BillingMode.PAY_PER_REQUEST,
            // One small item per cluster while a run holds it; nothing worth keeping.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var prefixes = new BucketPrefixes(pipeline);
        Functions = new PipelineFunctions(this, "Functions", settings, new HandlerResources(
            bucket.BucketArn,
            prefixes.InputListPattern,
            prefixes.OutputListPatterns,
            LockTable.TableArn,
            cluster.InstanceArns,
            pipeline.ClusterName,
            stack.FormatArn(new ArnComponents { Service = "ssm", Account = "", Resource = "document", ResourceName = RunShellScript })));

        Pipeline = new Workflow(
            this,
            "Pipeline",
            AslDefinition.Load(settings.StateMachineDirectory, StateMachineFiles.Pipeline),
            Functions,
            $"{pipeline.ClusterName}-pipeline",
            // Never longer than the lock may be held: past that a new run may take the lock over.
            Duration.Minutes(pipeline.MaxRunMinutes),
            deployment.LogRetentionDays);

        Cleanup = new Workflow(
            this,
            "Cleanup",
            AslDefinition.Load(settings.StateMachineDirectory, StateMachineFiles.Cleanup),
            Functions,
            $"{pipeline.ClusterName}-cleanup",
            Duration.Minutes(30),
            deployment.LogRetentionDays);

        Schedule = new DailySchedule(
            this,
            "DailySchedule",
            Pipeline.StateMachine,
            $"{pipeline.ClusterName}-daily",
            deployment.ScheduleCron,
            pipeline.TimeZone,
            deployment.ScheduleEnabled);

        Alerts = new FailureAlerts(this, "Alerts", Pipeline.StateMachine, Cleanup.StateMachine, pipeline.ClusterName, deployment.AlertEmail);
    }

    /// <summary>The lock item's key, as DynamoDbRunLock.KeyAttribute in src/Functions writes it (a test keeps them equal).</summary>
    public const string LockKey = "clusterName";

    public Table LockTable { get; }

    public PipelineFunctions Functions { get; }

    public Workflow Pipeline { get; }

    public Workflow Cleanup { get; }

    public DailySchedule Schedule { get; }

    public FailureAlerts Alerts { get; }
}
