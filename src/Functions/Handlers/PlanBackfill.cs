using System.Text.Json;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// First state of the backfill (and daily launch) state machine. Input {"from","to","mode"} (a
/// person backfilling, like `airflow dags backfill`) or {"scheduledTime"} (the daily schedule).
/// Decides, oldest first, which dates to run and names each child execution after its date:
/// the daily run is named exactly YYYY-MM-DD (a second launch for the same day is refused by Step
/// Functions as a duplicate name); a backfill's children are YYYY-MM-DD-bf-ID.
/// Modes: missing = dates whose last stage's output is not complete; failed = dates whose latest
/// run record says FAILED; all = every date.
/// </summary>
public sealed class PlanBackfill(PipelineSettings settings, TimeProvider clock, IObjectStore store) : IHandler
{
    public const int MaxDays = 92;
    private const string ExpectedShape = "expected {\"from\":\"YYYY-MM-DD\",\"to\":\"YYYY-MM-DD\",\"mode\":\"missing|failed|all\"} or {\"scheduledTime\":\"YYYY-MM-DDTHH:MM:SSZ\"}";
    private static readonly string[] Modes = ["missing", "failed", "all"];
    private static readonly IReadOnlySet<string> Fields = new HashSet<string>(StringComparer.Ordinal) { "from", "to", "mode", "scheduledTime" };

    public async Task<string> InvokeAsync(string inputJson, CancellationToken cancellationToken) =>
        JsonSerializer.Serialize(await PlanAsync(inputJson, cancellationToken).ConfigureAwait(false), HandlerJson.Readable.BackfillPlan);

    public async Task<BackfillPlan> PlanAsync(string inputJson, CancellationToken cancellationToken)
    {
        var (from, to, mode, scheduled) = Read(inputJson);
        var id = Guid.NewGuid().ToString("N")[..8];
        // "Complete" is judged by the last step that writes an output prefix (command steps may write none).
        var last = settings.Stages.LastOrDefault(s => !string.IsNullOrEmpty(s.OutputPrefix)) ?? settings.Stages[^1];
        var dates = new List<BackfillDate>();
        for (var day = from.Value; day <= to.Value; day = day.AddDays(1))
        {
            var date = new BatchDate(day);
            var name = scheduled ? date.Ds : $"{date.Ds}-bf-{id}";
            var (run, reason) = mode switch
            {
                "all" => (true, "mode all"),
                "failed" => await FailedAsync(date, cancellationToken).ConfigureAwait(false),
                _ => await MissingAsync(date, last, cancellationToken).ConfigureAwait(false),
            };
            dates.Add(new BackfillDate(date.Ds, run ? "run" : "skip", reason, name));
        }

        return new BackfillPlan(id, from.Ds, to.Ds, mode, dates, dates.Count(d => d.Action == "run"));
    }

    private async Task<(bool, string)> MissingAsync(BatchDate date, StageSpec last, CancellationToken cancellationToken)
    {
        var prefix = Template.Expand(last.OutputPrefix, date, settings.Bucket);
        var output = await StageOutput.InspectAsync(store, settings.Bucket, prefix, cancellationToken).ConfigureAwait(false);
        return output.Complete
            ? (false, $"s3://{settings.Bucket}/{prefix} is complete")
            : (true, $"s3://{settings.Bucket}/{prefix} is not complete");
    }

    private async Task<(bool, string)> FailedAsync(BatchDate date, CancellationToken cancellationToken)
    {
        var status = await RecordRun.LatestStatusAsync(store, settings.Bucket, date, cancellationToken).ConfigureAwait(false);
        return status == "FAILED" ? (true, "the latest run failed") : (false, status is null ? "no run recorded" : $"the latest run {status.ToLowerInvariant()}");
    }

    private (BatchDate From, BatchDate To, string Mode, bool Scheduled) Read(string inputJson)
    {
        var fields = ExecutionInput.Read(inputJson, Fields, ExpectedShape);
        var latest = LocalCalendar.LatestBatchDate(settings, clock);
        if (fields.TryGetValue("scheduledTime", out var scheduledTime))
        {
            if (fields.Count != 1)
            {
                throw PipelineException.InvalidInput("input", $"scheduledTime comes alone; {ExpectedShape}");
            }

            var day = new ResolveRun(settings, clock).Resolve(JsonSerializer.Serialize(new ScheduledInput(scheduledTime), HandlerJson.Readable.ScheduledInput)).BatchDate;
            var date = BatchDate.Parse("scheduledTime", day, latest);
            return (date, date, "all", true);
        }

        if (!fields.TryGetValue("from", out var fromText) || !fields.TryGetValue("to", out var toText))
        {
            throw PipelineException.InvalidInput(fields.ContainsKey("from") ? "to" : "from", $"missing; {ExpectedShape}");
        }

        var from = BatchDate.Parse("from", fromText, latest);
        var to = BatchDate.Parse("to", toText, latest);
        var mode = fields.GetValueOrDefault("mode", "missing");
        if (!Modes.Contains(mode))
        {
            throw PipelineException.InvalidInput("mode", $"expected missing, failed or all, got {BatchDate.Describe(mode)}");
        }

        if (to.Value < from.Value)
        {
            throw PipelineException.InvalidInput("to", $"{to} is before from {from}");
        }

        var days = to.Value.DayNumber - from.Value.DayNumber + 1;
        if (days > MaxDays)
        {
            throw PipelineException.InvalidInput("to", $"{days} days from {from} to {to}; a backfill covers at most {MaxDays} days");
        }

        return (from, to, mode, false);
    }
}
