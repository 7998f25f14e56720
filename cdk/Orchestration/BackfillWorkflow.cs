using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.StepFunctions;

namespace Pipeline.Cdk;

/// <summary>
/// What the backfill (and daily launch) state machine needs beyond invoking PlanBackfill: start the
/// pipeline for a date and wait for it (<c>states:startExecution.sync:2</c>), and how long it may run.
/// </summary>
public static class BackfillWorkflow
{
    /// <summary>The placeholder of backfill.asl.json for the pipeline state machine it starts.</summary>
    public const string PipelineArnPlaceholder = "PipelineStateMachineArn";

    /// <summary>The longest range PlanBackfill accepts (PlanBackfill.MaxDays in src/Functions; a test keeps them equal).</summary>
    public const int MaxDays = 92;

    /// <summary>
    /// Per date, beyond the child's own limit (maxRunMinutes): starting it, with StartExecution's retries
    /// (4 attempts, at most a minute apart), and noticing its end.
    /// </summary>
    public const int PerDateSlackMinutes = 10;

    /// <summary>PlanBackfill (120 s a try, 4 retries) and the summary.</summary>
    public const int PlanningMinutes = 30;

    /// <summary>The longest a standard Step Functions execution may run: one year.</summary>
    public static readonly int StepFunctionsMaxSeconds = (int)TimeSpan.FromDays(365).TotalSeconds;

    /// <summary>
    /// The dates run one at a time and each child ends within maxRunMinutes (its own execution
    /// timeout), so the longest legitimate backfill is MaxDays children back to back. Past that
    /// something is stuck; capped at what Step Functions allows.
    /// </summary>
    public static Duration Timeout(int maxRunMinutes) =>
        Duration.Seconds(Math.Min(((MaxDays * (maxRunMinutes + PerDateSlackMinutes)) + PlanningMinutes) * 60L, StepFunctionsMaxSeconds));

    /// <summary>
    /// The pipeline it starts and, for <c>.sync</c>, what Step Functions does on its behalf: describe and
    /// (when the backfill is stopped) stop the child, and the managed EventBridge rule through which it
    /// learns that the child ended. Scoped to the pipeline machine, its executions and that one rule.
    /// </summary>
    public static IEnumerable<PolicyStatement> Statements(Stack stack, IStateMachine pipeline, string pipelineName)
    {
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "StartPipeline",
            Actions = ["states:StartExecution"],
            Resources = [pipeline.StateMachineArn],
        });
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "FollowPipelineRuns",
            Actions = ["states:DescribeExecution", "states:StopExecution"],
            Resources = [stack.FormatArn(new ArnComponents { Service = "states", Resource = "execution", ResourceName = pipelineName + ":*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME })],
        });
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SyncCompletionEvents",
            Actions = ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            Resources = [stack.FormatArn(new ArnComponents { Service = "events", Resource = "rule", ResourceName = "StepFunctionsGetEventsForStepFunctionsExecutionRule" })],
        });
    }
}
