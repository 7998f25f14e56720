using System.Text.Json.Serialization;

namespace Pipeline.Functions.Handlers;

/// <summary>Source-generated JSON for every handler contract (no reflection under Native AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ResolveRunOutput))]
[JsonSerializable(typeof(DateInput))]
[JsonSerializable(typeof(CheckInputInput))]
[JsonSerializable(typeof(CheckInputOutput))]
[JsonSerializable(typeof(PrefixReport))]
[JsonSerializable(typeof(RunInput))]
[JsonSerializable(typeof(AcquireLockOutput))]
[JsonSerializable(typeof(LockedInput))]
[JsonSerializable(typeof(ConfirmLockOutput))]
[JsonSerializable(typeof(AbandonLockInput))]
[JsonSerializable(typeof(AbandonLockOutput))]
[JsonSerializable(typeof(ReleaseLockOutput))]
[JsonSerializable(typeof(StartClusterOutput))]
[JsonSerializable(typeof(StopClusterOutput))]
[JsonSerializable(typeof(ClusterStatusInput))]
[JsonSerializable(typeof(ClusterStatusOutput))]
[JsonSerializable(typeof(CommandsOutput))]
[JsonSerializable(typeof(StageInput))]
[JsonSerializable(typeof(StageCommandOutput))]
[JsonSerializable(typeof(CommandStatusInput))]
[JsonSerializable(typeof(CommandStatusOutput))]
[JsonSerializable(typeof(EmptyInput))]
[JsonSerializable(typeof(SweepOutput))]
[JsonSerializable(typeof(RecordRunInput))]
[JsonSerializable(typeof(RunRecordKey))]
[JsonSerializable(typeof(ScheduledInput))]
[JsonSerializable(typeof(BackfillPlan))]
public sealed partial class HandlerJson : JsonSerializerContext
{
    /// <summary>Outputs carry paths, scripts and messages; relaxed escaping keeps them readable in the console.</summary>
    public static HandlerJson Readable { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
