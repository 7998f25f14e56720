using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Runs that end badly. A Catch inside the pipeline cleans up ordinary failures, but an aborted or
/// timed-out execution runs no Catch, so the status-change event starts the cleanup state machine
/// (idempotent, it may run after a Catch already cleaned up) and tells people through SNS. A backfill
/// (or daily launch) that ends badly is only reported: it holds no cluster itself, and each pipeline
/// child it started cleans up (and is reported) on its own.
/// </summary>
public sealed class FailureAlerts : Construct
{
    public static readonly string[] BadEndings = ["FAILED", "TIMED_OUT", "ABORTED"];

    public FailureAlerts(Construct scope, string id, IStateMachine pipeline, IStateMachine cleanup, IStateMachine backfill, string clusterName, string email)
        : base(scope, id)
    {
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

        var message = RuleTargetInput.FromText(
            $"Pipeline run {EventField.FromPath("$.detail.name")} of {clusterName} ended {EventField.FromPath("$.detail.status")}. "
            + $"Execution: {EventField.FromPath("$.detail.executionArn")}. Cleanup (stop Spark and nodes, release the lock) has been started.");

        PipelineEndedBadly = new Rule(this, "PipelineEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a pipeline run failed, timed out or was aborted: clean up and alert",
            EventPattern = StatusChange(pipeline),
            Targets =
            [
                new SfnStateMachine(cleanup, new SfnStateMachineProps
                {
                    Input = RuleTargetInput.FromObject(new Dictionary<string, object> { ["runId"] = EventField.FromPath("$.detail.name") }),
                }),
                new SnsTopic(Topic, new SnsTopicProps { Message = message }),
            ],
        });

        CleanupEndedBadly = new Rule(this, "CleanupEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a cleanup run failed: nodes may still be running",
            EventPattern = StatusChange(cleanup),
            Targets =
            [
                new SnsTopic(Topic, new SnsTopicProps
                {
                    Message = RuleTargetInput.FromText(
                        $"Cleanup {EventField.FromPath("$.detail.name")} of {clusterName} ended {EventField.FromPath("$.detail.status")}: "
                        + $"the Spark nodes may still be running and the lock may still be held. Execution: {EventField.FromPath("$.detail.executionArn")}"),
                }),
            ],
        });

        BackfillEndedBadly = new Rule(this, "BackfillEndedBadly", new RuleProps
        {
            Description = $"{clusterName}: a backfill or daily launch failed, timed out or was aborted: alert",
            EventPattern = StatusChange(backfill),
            Targets =
            [
                new SnsTopic(Topic, new SnsTopicProps
                {
                    Message = RuleTargetInput.FromText(
                        $"Backfill {EventField.FromPath("$.detail.name")} of {clusterName} ended {EventField.FromPath("$.detail.status")}. "
                        + "Its Summarize step (when it got there) lists each date's result; each date's pipeline run cleans up after itself. "
                        + $"Execution: {EventField.FromPath("$.detail.executionArn")}"),
                }),
            ],
        });
    }

    public Topic Topic { get; }

    public Rule PipelineEndedBadly { get; }

    public Rule CleanupEndedBadly { get; }

    public Rule BackfillEndedBadly { get; }

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
