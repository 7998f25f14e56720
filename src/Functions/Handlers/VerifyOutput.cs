using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// A stage counts as done only when its output prefix has Spark's _SUCCESS marker and at least one
/// data object: a zero exit code alone does not prove the job wrote anything.
/// </summary>
public sealed class VerifyOutput(PipelineSettings settings, TimeProvider clock, IObjectStore store)
    : Handler<StageInput, PrefixReport>(HandlerJson.Readable.StageInput, HandlerJson.Readable.PrefixReport)
{
    public const string SuccessMarker = "_SUCCESS";

    public override async Task<PrefixReport> HandleAsync(StageInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var stage = Inputs.Stage(input.Stage, settings);
        var prefix = Template.Expand(stage.OutputPrefix, date, settings.Bucket);
        var where = $"s3://{settings.Bucket}/{prefix}";

        var marker = await store.ListAsync(settings.Bucket, prefix + SuccessMarker, 1, cancellationToken).ConfigureAwait(false);
        if (!marker.Objects.Any(o => o.Key == prefix + SuccessMarker))
        {
            throw new PipelineException(ErrorNames.OutputMissing, $"stage {stage.Name} for {date}: {where} has no {SuccessMarker} marker");
        }

        var listing = await store.ListAsync(settings.Bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        var data = listing.Objects.Where(o => IsDataObject(prefix, o.Key)).ToList();
        if (data.Count == 0)
        {
            throw new PipelineException(ErrorNames.OutputMissing, $"stage {stage.Name} for {date}: {where} has a {SuccessMarker} marker but no data object");
        }

        return new PrefixReport(settings.Bucket, prefix, data.Count, listing.Truncated, data[0].Key);
    }

    /// <summary>Spark's bookkeeping (_SUCCESS, _temporary/, .crc files) starts with '_' or '.'; folder placeholders end with '/'.</summary>
    private static bool IsDataObject(string prefix, string key)
    {
        var segments = key[prefix.Length..].Split('/');
        return segments[^1].Length > 0 && segments.All(s => s.Length == 0 || s[0] is not '_' and not '.');
    }
}
