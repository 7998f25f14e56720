namespace Pipeline.Functions.Runtime;

/// <summary>
/// Fetch an event, run the function, post its result or its error, repeat. The function and the
/// way an exception becomes an error document are given by the entry point.
/// </summary>
public sealed class LambdaRuntimeLoop(
    LambdaRuntimeClient client,
    Func<string, CancellationToken, Task<string>> function,
    Func<Exception, LambdaError> describeError)
{
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    /// <summary>Margin kept before the invocation deadline so the error can still be posted in time.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            LambdaInvocation invocation;
            try
            {
                invocation = await client.NextAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            await InvokeOnceAsync(invocation, stopping).ConfigureAwait(false);
        }
    }

    public async Task InvokeOnceAsync(LambdaInvocation invocation, CancellationToken stopping)
    {
        // The X-Ray SDKs read the trace id from this variable; it changes with every invocation.
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (invocation.Deadline is { } deadline)
        {
            var left = deadline - DateTimeOffset.UtcNow - DeadlineMargin;
            timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        string result;
        try
        {
            result = await function(invocation.Payload, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await client.ReportErrorAsync(invocation.RequestId, describeError(e), CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // Once computed, a result is always delivered, even when the loop is asked to stop.
        await client.RespondAsync(invocation.RequestId, result, CancellationToken.None).ConfigureAwait(false);
    }
}
