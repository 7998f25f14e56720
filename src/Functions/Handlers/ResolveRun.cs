using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// First state of a run: turns the execution input into a batch date and the concrete plan
/// (prefixes, spark-submit lines). Bad input fails here, before anything is started or paid for.
/// Accepts exactly {"date":"YYYY-MM-DD"} (a person) or {"scheduledTime":"...Z"} (the schedule).
/// </summary>
public sealed partial class ResolveRun(PipelineSettings settings, TimeProvider clock) : IHandler
{
    private const string ExpectedShape = "expected {\"date\":\"YYYY-MM-DD\"} or {\"scheduledTime\":\"YYYY-MM-DDTHH:MM:SSZ\"}";

    public Task<string> InvokeAsync(string inputJson, CancellationToken cancellationToken) =>
        Task.FromResult(JsonSerializer.Serialize(Resolve(inputJson), HandlerJson.Readable.ResolveRunOutput));

    public ResolveRunOutput Resolve(string inputJson)
    {
        var date = ReadBatchDate(inputJson);
        var stages = settings.Stages
            .Select(s => SparkCommands.PlanStage(settings, s, date, SparkCommands.MasterAddressToBeResolved))
            .Select(p => new StageOutline(p.Name, p.OutputPrefix, p.TimeoutSeconds, p.SparkSubmitArgv))
            .ToList();
        return new ResolveRunOutput(
            date.Ds,
            settings.ClusterName,
            settings.Bucket,
            Template.Expand(settings.InputPrefix, date, settings.Bucket),
            settings.WorkerCount,
            stages,
            stages.Select(s => s.Name).ToList(),
            stages.Count,
            settings.InputWait.TimeoutSeconds > 0 ? Inputs.Timestamp(clock.GetUtcNow().AddSeconds(settings.InputWait.TimeoutSeconds)) : null);
    }

    /// <summary>
    /// The launcher's own execution ARN, which the backfill/daily launcher adds to every child's input
    /// so that a second launch for the same day is refused as a duplicate name even while the first
    /// runs (see statemachine/backfill.asl.json). It plays no part in the run.
    /// </summary>
    public const string LaunchedByField = "launchedBy";

    private static readonly IReadOnlySet<string> Fields = new HashSet<string>(StringComparer.Ordinal) { "date", "scheduledTime", LaunchedByField };

    private BatchDate ReadBatchDate(string inputJson)
    {
        var fields = new Dictionary<string, string>(ExecutionInput.Read(inputJson, Fields, ExpectedShape), StringComparer.Ordinal);
        if (fields.Remove(LaunchedByField, out var launcher) && !ExecutionArn().IsMatch(launcher))
        {
            throw PipelineException.InvalidInput(LaunchedByField, $"expected the ARN of the launching execution, got {BatchDate.Describe(launcher)}");
        }

        if (fields.Count != 1)
        {
            throw PipelineException.InvalidInput("input", $"give exactly one of date or scheduledTime, once; {ExpectedShape}");
        }

        var latest = LocalCalendar.LatestBatchDate(settings, clock);
        return fields.TryGetValue("date", out var date)
            ? BatchDate.Parse("date", date, latest)
            : BatchDate.Checked("scheduledTime", LocalCalendar.BatchDateFor(ParseScheduledTime(fields["scheduledTime"]), settings), latest);
    }

    /// <summary>EventBridge writes the scheduled time as UTC with a Z; fractional seconds are tolerated, offsets are not.</summary>
    private static DateTimeOffset ParseScheduledTime(string text)
    {
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];
        if (text.Length <= 40 && text.All(char.IsAscii)
            && DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw PipelineException.InvalidInput("scheduledTime", $"expected an ISO-8601 UTC time such as \"2026-02-13T01:00:00Z\", got {BatchDate.Describe(text)}");
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:states:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.-]{1,80}\z")]
    private static partial Regex ExecutionArn();
}
