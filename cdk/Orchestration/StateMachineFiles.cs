namespace Pipeline.Cdk;

/// <summary>The ASL definitions under statemachine/, read at synth time.</summary>
public static class StateMachineFiles
{
    /// <summary>The run itself: resolve, check input, lock, start, stages, stop, release; cleanup in its Catch.</summary>
    public const string Pipeline = "pipeline.asl.json";

    /// <summary>The same cleanup for runs that never reached their Catch (aborted, timed out); input {"runId": ...}.</summary>
    public const string Cleanup = "cleanup.asl.json";

    public static readonly IReadOnlyList<string> All = [Pipeline, Cleanup];
}
