namespace Pipeline.Functions.Domain;

/// <summary>Log lines go to stderr: CloudWatch collects them in Lambda, and stdout stays pure JSON on the command line.</summary>
public static class RunLog
{
    public static void Write(string message) => Console.Error.WriteLine(message);

    /// <summary>
    /// The word RecordRun writes for a run whose cleanup left nodes to the sweeper; the CDK app's
    /// cleanup alarm counts log lines holding it.
    /// </summary>
    public const string CleanupLeftToSweeper = "CLEANUP";
}
