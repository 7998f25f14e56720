using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>The day's input must hold at least one object; otherwise the run ends before any instance starts.</summary>
public sealed class CheckInput(PipelineSettings settings, TimeProvider clock, IObjectStore store)
    : Handler<DateInput, PrefixReport>(HandlerJson.Readable.DateInput, HandlerJson.Readable.PrefixReport)
{
    public override async Task<PrefixReport> HandleAsync(DateInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var prefix = Template.Expand(settings.InputPrefix, date, settings.Bucket);
        var listing = await store.ListAsync(settings.Bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        var objects = listing.Objects.Where(o => !o.Key.EndsWith('/')).ToList();
        if (objects.Count == 0)
        {
            throw new PipelineException(ErrorNames.InputMissing, $"no input for {date}: s3://{settings.Bucket}/{prefix} holds no object");
        }

        return new PrefixReport(settings.Bucket, prefix, objects.Count, listing.Truncated, objects[0].Key);
    }
}
