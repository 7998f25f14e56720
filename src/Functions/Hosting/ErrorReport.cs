using Amazon.Runtime;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Runtime;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// Turns an exception into the error document whose errorType the state machine routes on:
/// pipeline errors keep their names; AWS throttling, 5xx and network failures become
/// Pipeline.AwsTransient (retried with backoff); other AWS refusals become Aws.&lt;ErrorCode&gt;
/// (not retried: a missing permission does not fix itself).
/// </summary>
public static class ErrorReport
{
    public const string AwsTransient = "Pipeline.AwsTransient";

    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "RequestThrottled", "SlowDown", "InternalError", "InternalFailure",
        "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    };

    public static LambdaError From(Exception e) => e switch
    {
        PipelineException p => new LambdaError(p.ErrorName, p.Message, Trace(p)),
        AmazonServiceException aws when (int)aws.StatusCode >= 500 || ThrottlingCodes.Contains(aws.ErrorCode ?? "") =>
            new LambdaError(AwsTransient, $"{aws.ErrorCode}: {aws.Message}", Trace(e)),
        AmazonServiceException aws => new LambdaError($"Aws.{aws.ErrorCode ?? aws.GetType().Name}", aws.Message, Trace(e)),
        AmazonClientException or HttpRequestException or IOException or TimeoutException =>
            new LambdaError(AwsTransient, $"{e.GetType().Name}: {e.Message}", Trace(e)),
        OperationCanceledException => new LambdaError(ErrorNames.TaskTimedOut, "the task ran out of time before the Lambda deadline", Trace(e)),
        _ => new LambdaError(e.GetType().Name, e.Message, Trace(e)),
    };

    private static IReadOnlyList<string> Trace(Exception e) =>
        (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
