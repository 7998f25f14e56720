using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Turns one Step Functions status-change event (and, when the alert state machine could read it, the
/// newest page of that execution's history) into the e-mail a person reads: a subject and first lines
/// that say which run, which day, what ended how, in which state, with which error, and where to look.
/// Pure: it calls no AWS API, so the alert state machine reads the history and publishes, and a
/// failure here still leaves it a plain fallback message to send.
/// </summary>
public sealed partial class FormatAlert(PipelineSettings settings) : IHandler
{
    /// <summary>SNS refuses a subject over 100 characters, or one with line breaks or non-ASCII characters.</summary>
    public const int SubjectLimit = 100;

    /// <summary>A Spark stack trace can be kilobytes; the message keeps the start, the logs have the rest.</summary>
    public const int CauseLimit = 600;

    public Task<string> InvokeAsync(string inputJson, CancellationToken cancellationToken)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(string.IsNullOrWhiteSpace(inputJson) ? "{}" : inputJson) as JsonObject
                ?? throw PipelineException.InvalidInput("input", "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw PipelineException.InvalidInput("input", $"not valid JSON ({e.Message})");
        }

        var alert = Format(root);
        var output = new JsonObject { ["subject"] = alert.Subject, ["message"] = alert.Message };
        return Task.FromResult(output.ToJsonString());
    }

    /// <summary>The alert for an EventBridge "Step Functions Execution Status Change" event (with an optional <c>history.events</c> page).</summary>
    public RunAlert Format(JsonObject root)
    {
        var detail = root["detail"] as JsonObject ?? throw PipelineException.InvalidInput("detail", "expected the status-change event's detail object");
        var executionArn = Text(detail, "executionArn") ?? throw PipelineException.InvalidInput("detail.executionArn", "missing");
        var status = Text(detail, "status") ?? "UNKNOWN";
        var name = Text(detail, "name") ?? executionArn.Split(':').Last();
        var machineName = MachineName(Text(detail, "stateMachineArn") ?? executionArn);
        var region = Text(root, "region") ?? ArnPart(executionArn, 3) ?? "unknown-region";
        var kind = KindOf(machineName);
        var input = ParseObject(Text(detail, "input"));
        var error = Text(detail, "error");
        var cause = ReadableCause(Text(detail, "cause"));
        var events = (root["history"] as JsonObject)?["events"] as JsonArray;
        var failedState = events is null ? null : FailedState(events, error);
        var batch = BatchDay(kind, name, input);

        var what = kind switch
        {
            RunKind.Cleanup => "cleanup",
            RunKind.Backfill => "backfill",
            _ => "run",
        };
        var headline = new StringBuilder($"[{settings.ClusterName}] {what} {status} {batch}");
        if (error is not null)
        {
            headline.Append(": ").Append(error);
        }

        if (failedState is not null)
        {
            headline.Append(" in ").Append(failedState);
        }

        var lines = new List<string>
        {
            $"Pipeline: {settings.ClusterName} ({machineName})",
            $"Batch date: {batch}",
            $"Execution: {name}",
            $"Status: {status}",
            $"Failed state: {failedState ?? (events is null ? "unknown (the execution history could not be read)" : "none recorded")}",
            $"Error: {error ?? "none (the execution was stopped, not failed by a state)"}",
            $"Cause: {cause ?? "none given"}",
            $"Console: https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{executionArn}",
            $"Log group: /aws/vendedlogs/states/{machineName}",
            "",
            kind switch
            {
                RunKind.Pipeline => "Cleanup (stop Spark, stop the nodes, release the lock) has been started for this run; a cleanup that fails sends its own alert.",
                RunKind.Cleanup => "The Spark nodes may still be running and the lock may still be held: check the instances; the sweeper stops nodes no live run holds.",
                RunKind.Backfill => "Its Summarize step (when reached) lists each date's result; each date's pipeline run cleans up after itself and alerts on its own.",
                _ => "This state machine is not one the alert knows; read its execution in the console.",
            },
            $"Execution ARN: {executionArn}",
        };

        if (events is null && root["historyError"] is JsonObject historyError)
        {
            lines.Add($"History not read: {Text(historyError, "Error") ?? "unknown error"}");
        }

        return new RunAlert(Subject(headline.ToString()), string.Join('\n', lines) + "\n");
    }

    private enum RunKind
    {
        Pipeline,
        Cleanup,
        Backfill,
        Other,
    }

    private RunKind KindOf(string machineName) =>
        machineName == $"{settings.ClusterName}-pipeline" ? RunKind.Pipeline
        : machineName == $"{settings.ClusterName}-cleanup" ? RunKind.Cleanup
        : machineName == $"{settings.ClusterName}-backfill" ? RunKind.Backfill
        : RunKind.Other;

    /// <summary>
    /// The day a person thinks of: a pipeline execution is named after its date (daily launch, backfill
    /// child, manual runs by convention), else its input says; a cleanup names the run it cleans; a
    /// backfill covers a range, or the schedule's previous day.
    /// </summary>
    private string BatchDay(RunKind kind, string name, JsonObject? input)
    {
        if (kind == RunKind.Backfill && input is not null)
        {
            if (Text(input, "from") is { } from && Text(input, "to") is { } to)
            {
                return from == to ? from : $"{from}..{to}";
            }

            if (Text(input, "scheduledTime") is { } scheduled && DateTimeOffset.TryParse(scheduled, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return LocalCalendar.BatchDateFor(at, settings).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
        }

        var fromName = LeadingDate(kind == RunKind.Cleanup && input is not null && Text(input, "runId") is { } runId ? runId : name);
        if (fromName is not null)
        {
            return fromName;
        }

        if (input is not null && Text(input, "date") is { } date && LeadingDate(date) is { } day)
        {
            return day;
        }

        if (input is not null && Text(input, "scheduledTime") is { } time && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            return LocalCalendar.BatchDateFor(when, settings).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return "(date unknown)";
    }

    /// <summary>
    /// The state a person should look at. A failed run ends in a Fail state carrying the original error
    /// after its cleanup, so the culprit is the earliest failure carrying that same error (retries of it
    /// happen in the same state). An aborted or timed-out run was stopped while a state was still running.
    /// </summary>
    internal static string? FailedState(JsonArray events, string? executionError)
    {
        var byId = new Dictionary<long, JsonObject>();
        foreach (var e in events.OfType<JsonObject>())
        {
            if (Number(e, "Id") is { } id)
            {
                byId[id] = e;
            }
        }

        var chronological = byId.OrderBy(p => p.Key).Select(p => p.Value).ToList();
        if (executionError is not null)
        {
            foreach (var e in chronological)
            {
                var type = Text(e, "Type") ?? "";
                if (type == "ExecutionFailed" || !(type.EndsWith("Failed", StringComparison.Ordinal) || type.EndsWith("TimedOut", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (DetailsOf(e) is { } details && Text(details, "Error") == executionError && StateOf(e, byId) is { } state)
                {
                    return state;
                }
            }
        }

        // Still running when stopped: entered and never exited.
        var open = new List<string>();
        foreach (var e in chronological)
        {
            var type = Text(e, "Type") ?? "";
            if (type.EndsWith("StateEntered", StringComparison.Ordinal) && (e["StateEnteredEventDetails"] as JsonObject) is { } entered && Text(entered, "Name") is { } n)
            {
                open.Add(n);
            }
            else if (type.EndsWith("StateExited", StringComparison.Ordinal) && (e["StateExitedEventDetails"] as JsonObject) is { } exited && Text(exited, "Name") is { } x)
            {
                open.Remove(x);
            }
        }

        return open.Count > 0 ? open[^1] : null;
    }

    private static JsonObject? DetailsOf(JsonObject e) =>
        e.Where(p => p.Key.EndsWith("EventDetails", StringComparison.Ordinal)).Select(p => p.Value).OfType<JsonObject>().FirstOrDefault();

    /// <summary>Follows PreviousEventId back to the state the event happened in.</summary>
    private static string? StateOf(JsonObject e, Dictionary<long, JsonObject> byId)
    {
        var current = e;
        for (var hops = 0; hops < 1000 && current is not null; hops++)
        {
            if ((Text(current, "Type") ?? "").EndsWith("StateEntered", StringComparison.Ordinal))
            {
                return (current["StateEnteredEventDetails"] as JsonObject) is { } d ? Text(d, "Name") : null;
            }

            current = Number(current, "PreviousEventId") is { } previous && byId.TryGetValue(previous, out var p) ? p : null;
        }

        return null;
    }

    /// <summary>
    /// A Lambda failure's cause is the function's error report as JSON: its message is what a person
    /// needs. Whitespace runs become one space so the cause stays one line; long causes are cut.
    /// </summary>
    internal static string? ReadableCause(string? cause)
    {
        if (string.IsNullOrWhiteSpace(cause))
        {
            return null;
        }

        var text = cause;
        if (ParseObject(cause) is { } report && Text(report, "errorMessage") is { } message)
        {
            text = message;
        }

        text = Whitespace().Replace(text, " ").Trim();
        return text.Length <= CauseLimit ? text : text[..(CauseLimit - 3)] + "...";
    }

    internal static string Subject(string text)
    {
        var ascii = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            ascii.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        var s = ascii.ToString();
        return s.Length <= SubjectLimit ? s : s[..(SubjectLimit - 3)] + "...";
    }

    private static string MachineName(string arn)
    {
        // ...:stateMachine:NAME or ...:execution:NAME:EXECUTION
        var parts = arn.Split(':');
        var at = Array.FindIndex(parts, p => p is "stateMachine" or "execution");
        return at >= 0 && at + 1 < parts.Length ? parts[at + 1] : arn;
    }

    private static string? ArnPart(string arn, int index)
    {
        var parts = arn.Split(':');
        return parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
    }

    private static string? LeadingDate(string text)
    {
        var match = DatePrefix().Match(text);
        return match.Success && DateOnly.TryParseExact(match.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? match.Value : null;
    }

    private static JsonObject? ParseObject(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Number(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
        : o[key] is JsonValue d && d.GetValueKind() == JsonValueKind.Number ? (long)d.GetValue<double>()
        : null;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex DatePrefix();
}

/// <summary>What one alert e-mail says: the subject line and the body.</summary>
public sealed record RunAlert(string Subject, string Message);
