using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Writes the run's history record to s3://bucket/runs/dt=DATE/FINISHED_RUNID.json: outcome, error,
/// timings, stage outputs, command ids and a cluster cost estimate. Backfill's "failed" mode reads
/// the latest record of each date. Recording never decides a run's outcome: the state machine
/// catches its failure and goes on.
/// </summary>
public sealed class RecordRun(PipelineSettings settings, TimeProvider clock, IObjectStore store)
    : Handler<RecordRunInput, RunRecordKey>(HandlerJson.Readable.RecordRunInput, HandlerJson.Readable.RunRecordKey)
{
    public const string RunsPrefix = "runs/";

    public static string DatePrefix(BatchDate date) => $"{RunsPrefix}dt={date.Ds}/";

    public override async Task<RunRecordKey> HandleAsync(RecordRunInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var runId = Inputs.RunId(input.RunId);
        if (input.Status is not ("SUCCEEDED" or "FAILED"))
        {
            throw PipelineException.InvalidInput("status", "expected SUCCEEDED or FAILED");
        }

        var now = clock.GetUtcNow();
        var started = input.StartedAt is null ? (DateTimeOffset?)null : Inputs.Timestamp("startedAt", input.StartedAt);
        var clusterFrom = input.ClusterAcquiredAt is null ? (DateTimeOffset?)null : Inputs.Timestamp("clusterAcquiredAt", input.ClusterAcquiredAt);
        var clusterHours = clusterFrom is null ? 0 : (now - clusterFrom.Value).TotalHours;
        var stages = new JsonArray();
        foreach (var stage in settings.Stages.Where(s => !string.IsNullOrEmpty(s.OutputPrefix)))
        {
            var prefix = Template.Expand(stage.OutputPrefix, date, settings.Bucket);
            var output = await StageOutput.InspectAsync(store, settings.Bucket, prefix, cancellationToken).ConfigureAwait(false);
            stages.Add((JsonNode)new JsonObject
            {
                ["name"] = stage.Name,
                ["output"] = $"s3://{settings.Bucket}/{prefix}",
                ["complete"] = output.Complete,
                ["dataObjects"] = output.Data.Count,
            });
        }

        var record = new JsonObject
        {
            ["runId"] = runId,
            ["batchDate"] = date.Ds,
            ["status"] = input.Status,
            ["error"] = input.Error?.DeepClone(),
            ["startedAt"] = started is null ? null : Inputs.Timestamp(started.Value),
            ["finishedAt"] = Inputs.Timestamp(now),
            ["durationSeconds"] = started is null ? null : Math.Round((now - started.Value).TotalSeconds, 1),
            ["clusterSeconds"] = Math.Round(clusterHours * 3600, 1),
            ["estimatedClusterCostUsd"] = Math.Round(clusterHours * settings.ClusterHourlyUsd, 4),
            ["stages"] = stages,
            ["commands"] = input.Commands?.DeepClone(),
            ["cleanup"] = input.Cleanup?.DeepClone(),
        };
        var key = $"{DatePrefix(date)}{now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}_{RunIds.KeySegment(runId)}.json";
        await store.WriteTextAsync(settings.Bucket, key, record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        // One line a metric filter can count: a cleanup that failed or could not prove it held the lock.
        var cleanup = (input.Cleanup as JsonObject)?["status"] is JsonValue status && status.TryGetValue(out string? text) ? text : null;
        RunLog.Write($"RecordRun {runId}: {input.Status} -> s3://{settings.Bucket}/{key}" + (cleanup is "failed" or "unconfirmed" ? $"; {RunLog.CleanupLeftToSweeper} {cleanup.ToUpperInvariant()}: the cluster is left to the sweeper" : ""));
        return new RunRecordKey(settings.Bucket, key, input.Status);
    }

    /// <summary>The status of the latest record of a date, or null when the date has never been recorded.</summary>
    public static async Task<string?> LatestStatusAsync(IObjectStore store, string bucket, BatchDate date, CancellationToken cancellationToken)
    {
        var listing = await store.ListAsync(bucket, DatePrefix(date), 1000, cancellationToken).ConfigureAwait(false);
        var latest = listing.Objects.Select(o => o.Key).Where(k => k.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).LastOrDefault();
        if (latest is null)
        {
            return null;
        }

        var text = await store.ReadTextAsync(bucket, latest, cancellationToken).ConfigureAwait(false);
        try
        {
            return text is null ? null : JsonNode.Parse(text)?["status"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new PipelineException(ErrorNames.AwsResponseInvalid, $"run record s3://{bucket}/{latest} is not a readable record: {e.Message}");
        }
    }
}
