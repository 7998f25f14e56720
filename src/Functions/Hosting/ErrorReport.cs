using Pipeline.Functions.Domain;
using Pipeline.Functions.Runtime;

namespace Pipeline.Functions.Hosting;

/// <summary>Turns an exception into the error document: pipeline errors keep their names, others their type name.</summary>
public static class ErrorReport
{
    public static LambdaError From(Exception e) => e switch
    {
        PipelineException p => new LambdaError(p.ErrorName, p.Message, Trace(p)),
        OperationCanceledException => new LambdaError("Pipeline.TaskTimedOut", "the task ran out of time before the Lambda deadline", Trace(e)),
        _ => new LambdaError(e.GetType().Name, e.Message, Trace(e)),
    };

    private static IReadOnlyList<string> Trace(Exception e) =>
        (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
