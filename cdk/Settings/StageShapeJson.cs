using System.Text.Json.Serialization;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Settings;

/// <summary>Writes an empty stage with the same naming as the settings JSON, to learn which names a stage must spell out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StageSpec))]
internal sealed partial class StageShapeJson : JsonSerializerContext;
