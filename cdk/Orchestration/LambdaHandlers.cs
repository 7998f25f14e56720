namespace Pipeline.Cdk;

/// <summary>
/// The handlers of the one bootstrap binary, as src/Functions/Hosting/HandlerCatalog.cs names them
/// (that file needs the AWS SDK, so it is not compiled in here; a test keeps the two lists equal).
/// </summary>
public static class LambdaHandlers
{
    public const string ResolveRun = nameof(ResolveRun);
    public const string CheckInput = nameof(CheckInput);
    public const string AcquireLock = nameof(AcquireLock);
    public const string ConfirmLock = nameof(ConfirmLock);
    public const string AbandonLock = nameof(AbandonLock);
    public const string StartCluster = nameof(StartCluster);
    public const string ClusterStatus = nameof(ClusterStatus);
    public const string StartSpark = nameof(StartSpark);
    public const string SubmitStage = nameof(SubmitStage);
    public const string CommandStatus = nameof(CommandStatus);
    public const string VerifyOutput = nameof(VerifyOutput);
    public const string StopSpark = nameof(StopSpark);
    public const string StopCluster = nameof(StopCluster);
    public const string ReleaseLock = nameof(ReleaseLock);
    public const string Sweep = nameof(Sweep);
    public const string RecordRun = nameof(RecordRun);
    public const string PlanBackfill = nameof(PlanBackfill);
    public const string FormatAlert = nameof(FormatAlert);

    public static readonly IReadOnlyList<string> Names =
    [
        ResolveRun, CheckInput, AcquireLock, ConfirmLock, AbandonLock, StartCluster, ClusterStatus, StartSpark,
        SubmitStage, CommandStatus, VerifyOutput, StopSpark, StopCluster, ReleaseLock, Sweep, RecordRun, PlanBackfill, FormatAlert,
    ];

    /// <summary>The placeholder an ASL definition uses for a handler's function, e.g. <c>${StopClusterFunctionArn}</c>.</summary>
    public static string ArnPlaceholder(string handler) => handler + "FunctionArn";
}
