namespace Pipeline.Functions.Domain;

/// <summary>
/// The error names the state machine routes on. They travel as the Lambda errorType, so the
/// strings here are the contract with every Catch and Retry in statemachine/*.asl.json.
/// </summary>
public static class ErrorNames
{
    public const string InvalidInput = "Pipeline.InvalidInput";
    public const string InvalidSettings = "Pipeline.InvalidSettings";
    public const string InputMissing = "Pipeline.InputMissing";
    public const string ClusterBusy = "Pipeline.ClusterBusy";
    public const string NodesMissing = "Pipeline.NodesMissing";
    public const string ClusterStartTimeout = "Pipeline.ClusterStartTimeout";

    /// <summary>A node this run started went back to stopped (EC2 names why, e.g. a KMS key its volume cannot use).</summary>
    public const string NodeStartFailed = "Pipeline.NodeStartFailed";
    public const string CommandFailed = "Pipeline.CommandFailed";
    public const string CommandTimedOut = "Pipeline.CommandTimedOut";
    public const string OutputMissing = "Pipeline.OutputMissing";
    public const string UnknownHandler = "Pipeline.UnknownHandler";
    public const string AwsResponseInvalid = "Pipeline.AwsResponseInvalid";

    /// <summary>The run no longer holds the cluster's lock (taken over after its lease ran out, or released): it touched nothing.</summary>
    public const string LockLost = "Pipeline.LockLost";

    /// <summary>Cleanup could not stop the cluster or prove it held the lock; the cluster is left to the sweeper.</summary>
    public const string CleanupFailed = "Pipeline.CleanupFailed";

    /// <summary>The handler ran out of time before the Lambda deadline (a hang): retried like any transient failure.</summary>
    public const string TaskTimedOut = "Pipeline.TaskTimedOut";
}

/// <summary>A failure with a name the state machine and a person can both act on.</summary>
public sealed class PipelineException(string errorName, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string ErrorName { get; } = errorName;

    public static PipelineException InvalidInput(string field, string problem) =>
        new(ErrorNames.InvalidInput, $"{field}: {problem}");
}
