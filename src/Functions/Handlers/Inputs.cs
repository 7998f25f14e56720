using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Handlers;

/// <summary>Checks for the fields the state machine passes between tasks; every failure is Pipeline.InvalidInput naming the field.</summary>
public static partial class Inputs
{
    public static BatchDate Date(string? value, PipelineSettings settings, TimeProvider clock) =>
        value is null
            ? throw PipelineException.InvalidInput("batchDate", "missing; expected a date written YYYY-MM-DD")
            : BatchDate.Parse("batchDate", value, LocalCalendar.LatestBatchDate(settings, clock));

    public static StageSpec Stage(string? name, PipelineSettings settings)
    {
        var stage = settings.Stages.FirstOrDefault(s => s.Name == name);
        return stage ?? throw PipelineException.InvalidInput(
            "stage",
            $"{(name is null ? "missing" : BatchDate.Describe(name) + " is not a configured stage")}; expected one of {string.Join(", ", settings.Stages.Select(s => s.Name))}");
    }

    public static string RunId(string? value) =>
        RunIds.IsExecutionName(value)
            ? value!
            : throw PipelineException.InvalidInput("runId", $"expected a Step Functions execution name (1-{RunIds.MaxLength} characters, no whitespace, control characters or any of < > {{ }} [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /), got {(value is null ? "nothing" : BatchDate.Describe(value))}");

    /// <summary>The lock a run holds, as AcquireLock or ConfirmLock handed it on: its id and fencing token.</summary>
    public static (string RunId, long Token) Lock(LockRef? value)
    {
        if (value is null)
        {
            throw PipelineException.InvalidInput("lock", "missing; expected {runId, token} from AcquireLock or ConfirmLock");
        }

        var runId = RunId(value.RunId);
        return value.Token > 0 ? (runId, value.Token) : throw PipelineException.InvalidInput("lock.token", $"expected the fencing token (a positive number) from AcquireLock or ConfirmLock, got {value.Token}");
    }

    private static readonly string[] TimestampFormats = ["O", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public static DateTimeOffset Timestamp(string field, string? value) =>
        value is not null && DateTimeOffset.TryParseExact(value, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw PipelineException.InvalidInput(field, $"expected an ISO-8601 timestamp as written by an earlier task, got {(value is null ? "nothing" : BatchDate.Describe(value))}");

    public static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static IReadOnlyList<CommandRef> Commands(IReadOnlyList<CommandRef>? commands)
    {
        if (commands is null || commands.Count == 0)
        {
            throw PipelineException.InvalidInput("commands", "expected at least one {commandId, instanceIds} from StartSpark, SubmitStage or StopSpark");
        }

        foreach (var command in commands)
        {
            if (command?.CommandId is null || !CommandIdPattern().IsMatch(command.CommandId))
            {
                throw PipelineException.InvalidInput("commands[].commandId", "expected a command id (a UUID)");
            }

            if (command.InstanceIds is null || command.InstanceIds.Count == 0 || command.InstanceIds.Any(i => i is null || !InstanceIdPattern().IsMatch(i)))
            {
                throw PipelineException.InvalidInput("commands[].instanceIds", "expected one or more EC2 instance ids (i-0123456789abcdef0)");
            }
        }

        return commands;
    }

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z")]
    private static partial Regex CommandIdPattern();

    [GeneratedRegex(@"^i-[0-9a-f]{8,17}\z")]
    private static partial Regex InstanceIdPattern();
}
