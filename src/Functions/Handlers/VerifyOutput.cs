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
    public const string SuccessMarker = StageOutput.SuccessMarker;

    public override async Task<PrefixReport> HandleAsync(StageInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var stage = Inputs.Stage(input.Stage, settings);
        if (string.IsNullOrEmpty(stage.OutputPrefix))
        {
            // A command step without an output prefix writes nowhere in the bucket: its exit code is the verdict.
            return new PrefixReport(settings.Bucket, "", 0, false, null);
        }

        var prefix = Template.Expand(stage.OutputPrefix, date, settings.Bucket);
        var where = $"s3://{settings.Bucket}/{prefix}";
        var output = await StageOutput.InspectAsync(store, settings.Bucket, prefix, cancellationToken).ConfigureAwait(false);
        if (!output.HasMarker)
        {
            throw new PipelineException(ErrorNames.OutputMissing, $"stage {stage.Name} for {date}: {where} has no {SuccessMarker} marker");
        }

        if (output.Data.Count == 0)
        {
            throw new PipelineException(ErrorNames.OutputMissing, $"stage {stage.Name} for {date}: {where} has a {SuccessMarker} marker but no data object");
        }

        return new PrefixReport(settings.Bucket, prefix, output.Data.Count, output.MoreData, output.Data[0].Key);
    }
}
