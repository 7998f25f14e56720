using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Runs that end badly. A Catch inside the pipeline cleans up ordinary failures, but an aborted or
/// timed-out execution runs no Catch, so the status-change event starts the cleanup state machine
/// (idempotent, it may run after a Catch already cleaned up) and tells people. A backfill (or daily
/// launch) that ends badly is only reported: it holds no cluster itself, and each pipeline child it
/// started cleans up (and is reported) on its own.
/// People are told by the alert state machine, one execution per event: it reads the execution's
/// history and sends one readable message (FormatAlert) instead of EventBridge's raw JSON. So no rule
/// publishes to the topic: the topic's policy admits only this stack's alarms, by name and account.
/// </summary>
public sealed class FailureAlerts : Construct
{
    public static readonly string[] BadEndings = ["FAILED", "TIMED_OUT", "ABORTED"];

    public const string TopicPlaceholder = "AlertTopicArn";

    public FailureAlerts(
        Construct scope,
        string id,
        PipelineFunctions functions,
        string stateMachineDirectory,
        int taskTimeoutSeconds,
        int logRetentionDays,
        IStateMachine pipeline,
        IStateMachine cleanup,
        IStateMachine backfill,
        string clusterName,
        string email)
        : base(scope, id)
    {
        var stack = Stack.Of(this);
        Topic = new Topic(this, "Topic", new TopicProps
        {
            TopicName = $"{clusterName}-alerts",
            DisplayName = $"{clusterName} pipeline alerts",
            EnforceSSL = true,
        });
        if (!string.IsNullOrEmpty(email))
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }

        // CloudWatch publishes alarm actions as its service principal: only for alarms of this account
        // named after this cluster (confused-deputy guard: another account's alarm cannot use the topic).
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OwnAlarmsOnly",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = AlarmArnPattern(stack, clusterName) },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
            },
        }));

        DeadLetters = new DeadLetters(this, "DeadLetters", clusterName, Topic);

        var alertName = $"{clusterName}-alerts";
        Notifier = new Workflow(
            this,
            "Notifier",
            AslDefinition.Load(stateMachineDirectory, StateMachineFiles.Alert, [TopicPlaceholder]),
            functions,
            alertName,
            Duration.Minutes(5),
            taskTimeoutSeconds,
            logRetentionDays,
            new Dictionary<string, string> { [TopicPlaceholder] = Topic.TopicArn });
        Notifier.StateMachine.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadEndedExecutions",
            Actions = ["states:GetExecutionHistory"],
            // The machines' names are fixed ({cluster}-pipeline, ...), so their executions can be named without a token split.
            Resources = new[] { "pipeline", "cleanup", "backfill" }.Select(kind => ExecutionsOf(stack, $"{clusterName}-{kind}")).ToArray(),
        }));
        Notifier.StateMachine.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PublishAlerts",
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
        }));

        PipelineEndedBadly = new Rule(this, "PipelineEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a pipeline run failed, timed out or was aborted: clean up and alert",
            EventPattern = StatusChange(pipeline),
            Targets =
            [
                new SfnStateMachine(cleanup, new SfnStateMachineProps
                {
                    Input = RuleTargetInput.FromObject(new Dictionary<string, object> { ["runId"] = EventField.FromPath("$.detail.name") }),
                    DeadLetterQueue = DeadLetters.Queue,
                }),
                AlertTarget(),
            ],
        });

        CleanupEndedBadly = new Rule(this, "CleanupEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a cleanup run failed: nodes may still be running",
            EventPattern = StatusChange(cleanup),
            Targets = [AlertTarget()],
        });

        BackfillEndedBadly = new Rule(this, "BackfillEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a backfill or daily launch failed, timed out or was aborted: alert",
            EventPattern = StatusChange(backfill),
            Targets = [AlertTarget()],
        });
    }

    public Topic Topic { get; }

    public DeadLetters DeadLetters { get; }

    /// <summary>The alert state machine: history, FormatAlert, publish.</summary>
    public Workflow Notifier { get; }

    public Rule PipelineEndedBadly { get; }

    public Rule CleanupEndedBadly { get; }

    public Rule BackfillEndedBadly { get; }

    public static string AlarmArnPattern(Stack stack, string clusterName) =>
        stack.FormatArn(new ArnComponents { Service = "cloudwatch", Resource = "alarm", ResourceName = $"{clusterName}-*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME });

    // The whole event goes to the alert machine: it needs detail (name, status, error, cause, input) and region.
    private SfnStateMachine AlertTarget() => new(Notifier.StateMachine, new SfnStateMachineProps { DeadLetterQueue = DeadLetters.Queue });

    private static string ExecutionsOf(Stack stack, string machineName) =>
        stack.FormatArn(new ArnComponents { Service = "states", Resource = "execution", ResourceName = $"{machineName}:*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME });

    private static EventPattern StatusChange(IStateMachine machine) => new()
    {
        Source = ["aws.states"],
        DetailType = ["Step Functions Execution Status Change"],
        Detail = new Dictionary<string, object>
        {
            ["status"] = BadEndings,
            ["stateMachineArn"] = new[] { machine.StateMachineArn },
        },
    };
}
