using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// The day's input must hold at least one data object (the rule VerifyOutput applies: markers,
/// folder placeholders and empty objects are not data); otherwise the run ends with
/// Pipeline.InputMissing before any instance starts. In sensor mode (settings.inputWait) it
/// answers "not ready, look again in N seconds" until the wait deadline from ResolveRun passes.
/// </summary>
public sealed class CheckInput(PipelineSettings settings, TimeProvider clock, IObjectStore store)
    : Handler<CheckInputInput, CheckInputOutput>(HandlerJson.Readable.CheckInputInput, HandlerJson.Readable.CheckInputOutput)
{
    public override async Task<CheckInputOutput> HandleAsync(CheckInputInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        DateTimeOffset? deadline = input.WaitDeadline is null ? null : Inputs.Timestamp("waitDeadline", input.WaitDeadline);
        var prefix = Template.Expand(settings.InputPrefix, date, settings.Bucket);
        var listing = await store.ListAsync(settings.Bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        var objects = listing.Objects.Where(o => StageOutput.IsData(prefix, o)).ToList();
        if (objects.Count > 0)
        {
            return new CheckInputOutput(settings.Bucket, prefix, true, objects.Count, listing.Truncated, objects[0].Key, 0);
        }

        var where = $"s3://{settings.Bucket}/{prefix}";
        var now = clock.GetUtcNow();
        if (deadline is null)
        {
            throw new PipelineException(ErrorNames.InputMissing, $"no input for {date}: {where} holds no data object (markers, folder placeholders and empty objects do not count)");
        }

        if (now >= deadline)
        {
            throw new PipelineException(ErrorNames.InputMissing, $"no input for {date}: {where} still held no data object at {input.WaitDeadline}, the end of the wait");
        }

        var wait = (int)Math.Ceiling(Math.Min(settings.InputWait.PollSeconds, (deadline.Value - now).TotalSeconds));
        RunLog.Write($"CheckInput {date}: {where} is empty; looking again in {wait} s (waiting until {input.WaitDeadline})");
        return new CheckInputOutput(settings.Bucket, prefix, false, 0, false, null, Math.Max(1, wait));
    }
}
