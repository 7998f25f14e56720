using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;
using Constructs;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>
/// Everything that runs the pipeline without a server: the lock table, the functions, the pipeline,
/// cleanup and backfill state machines, the daily launch, the sweeper, the failure alerts and the dashboard.
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
            stack.FormatArn(new ArnComponents { Service = "ssm", Account = "", Resource = "document", ResourceName = RunShellScript }),
            prefixes.LastOutputListPatterns,
            prefixes.RunsListPattern,
            bucket.ArnForObjects(prefixes.RunsListPattern),
            stack.FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = "*" }),
            CommandStepRoles(pipeline),
            cluster.VolumeKeyArn,
            settings.Deployment.Region));

        var pipelineName = $"{pipeline.ClusterName}-pipeline";
        Pipeline = new Workflow(
            this,
            "Pipeline",
            AslDefinition.Load(settings.StateMachineDirectory, StateMachineFiles.Pipeline),
            Functions,
            pipelineName,
            // The settings validator makes sure a run's own deadlines fit in it (RunBudget).
            Duration.Minutes(pipeline.MaxRunMinutes),
            RunBudget.TaskTimeoutSeconds(pipeline),
            deployment.LogRetentionDays);

        Cleanup = new Workflow(
            this,
            "Cleanup",
            AslDefinition.Load(settings.StateMachineDirectory, StateMachineFiles.Cleanup),
            Functions,
            $"{pipeline.ClusterName}-cleanup",
            Duration.Minutes(30),
            RunBudget.TaskTimeoutSeconds(pipeline),
            deployment.LogRetentionDays);

        Backfill = new Workflow(
            this,
            "Backfill",
            AslDefinition.Load(settings.StateMachineDirectory, StateMachineFiles.Backfill, [BackfillWorkflow.PipelineArnPlaceholder]),
            Functions,
            $"{pipeline.ClusterName}-backfill",
            BackfillWorkflow.Timeout(pipeline.MaxRunMinutes),
            RunBudget.TaskTimeoutSeconds(pipeline),
            deployment.LogRetentionDays,
            new Dictionary<string, string> { [BackfillWorkflow.PipelineArnPlaceholder] = Pipeline.StateMachine.StateMachineArn });
        foreach (var statement in BackfillWorkflow.Statements(stack, Pipeline.StateMachine, pipelineName))
        {
            Backfill.StateMachine.AddToRolePolicy(statement);
        }

        Alerts = new FailureAlerts(
            this,
            "Alerts",
            Functions,
            settings.StateMachineDirectory,
            RunBudget.TaskTimeoutSeconds(pipeline),
            deployment.LogRetentionDays,
            Pipeline.StateMachine,
            Cleanup.StateMachine,
            Backfill.StateMachine,
            pipeline.ClusterName,
            deployment.AlertEmail);

        Schedule = new DailySchedule(
            this,
            "DailySchedule",
            Backfill.StateMachine,
            $"{pipeline.ClusterName}-daily",
            deployment.ScheduleCron,
            pipeline.TimeZone,
            deployment.ScheduleEnabled,
            Alerts.DeadLetters);

        if (deployment.SweepMinutes > 0)
        {
            Sweeper = new SweepSchedule(this, "Sweeper", Functions[LambdaHandlers.Sweep], $"{pipeline.ClusterName}-sweep", deployment.SweepMinutes, Alerts.DeadLetters);
        }

        Alarms = new FailureAlarms(this, "Alarms", pipeline.ClusterName, Functions, deployment.SweepMinutes, Alerts.Notifier.StateMachine, Alerts.Topic);
        CleanupAlarm = new CleanupAlarm(this, "CleanupAlarm", Functions.LogGroupOf(LambdaHandlers.RecordRun), Alerts.Topic, pipeline.ClusterName);

        Dashboard = new PipelineDashboard(this, "Dashboard", pipeline.ClusterName, Pipeline.StateMachine, Backfill.StateMachine, Cleanup.StateMachine, Functions);
    }

    /// <summary>The lock item's key, as DynamoDbRunLock.KeyAttribute in src/Functions writes it (a test keeps them equal).</summary>
    public const string LockKey = "clusterName";

    public Table LockTable { get; }

    public PipelineFunctions Functions { get; }

    public Workflow Pipeline { get; }

    public Workflow Cleanup { get; }

    /// <summary>Backfill over a date range, and the daily launch (the schedule's target).</summary>
    public Workflow Backfill { get; }

    public DailySchedule Schedule { get; }

    /// <summary>Null when deployment.sweepMinutes is 0.</summary>
    public SweepSchedule? Sweeper { get; }

    public FailureAlerts Alerts { get; }

    public FailureAlarms Alarms { get; }

    public CleanupAlarm CleanupAlarm { get; }

    public PipelineDashboard Dashboard { get; }

    /// <summary>
    /// SparkRole values of command steps that target hosts this stack does not create. Steps on the
    /// master or the workers are covered by the exact instance ARNs already.
    /// </summary>
    public static IReadOnlyList<string> CommandStepRoles(PipelineSettings pipeline) => pipeline.Stages
        .Where(s => s.Kind == StageSpec.CommandKind && s.TargetRole is not (NodeTags.MasterRole or NodeTags.WorkerRole))
        .Select(s => s.TargetRole)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToList();
}
