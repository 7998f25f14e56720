namespace Pipeline.Cdk;

/// <summary>The ASL definitions under statemachine/, read at synth time.</summary>
public static class StateMachineFiles
{
    /// <summary>The run itself: resolve, check input, lock, start, stages, stop, release; cleanup in its Catch.</summary>
    public const string Pipeline = "pipeline.asl.json";

    /// <summary>The same cleanup for runs that never reached their Catch (aborted, timed out); input {"runId": ...}.</summary>
    public const string Cleanup = "cleanup.asl.json";

    /// <summary>
    /// Backfill and the daily launch: PlanBackfill, then the pipeline for each date (startExecution.sync),
    /// one at a time; input {"from","to","mode"} or the schedule's {"scheduledTime"}.
    /// </summary>
    public const string Backfill = "backfill.asl.json";

    /// <summary>
    /// One readable alert per status-change event: read the execution's history, format it (FormatAlert),
    /// publish to the alert topic; input: the EventBridge event as it came.
    /// </summary>
    public const string Alert = "alert.asl.json";

    public static readonly IReadOnlyList<string> All = [Pipeline, Cleanup, Backfill, Alert];
}
