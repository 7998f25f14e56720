using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Functions.Domain;

/// <summary>Source-generated JSON for settings (no reflection, so it works under Native AOT and trimming).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    WriteIndented = false)]
[JsonSerializable(typeof(PipelineSettings))]
public sealed partial class SettingsJson : JsonSerializerContext
{
    /// <summary>Reads settings JSON; unknown names are errors so a misspelt setting is not silently ignored.</summary>
    public static PipelineSettings Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Default.PipelineSettings)
                ?? throw new PipelineException(ErrorNames.InvalidSettings, "pipeline settings: expected a JSON object, got null");
        }
        catch (JsonException e)
        {
            throw new PipelineException(ErrorNames.InvalidSettings, $"pipeline settings are not valid: {e.Message}", e);
        }
    }

    public static string Write(PipelineSettings settings) => JsonSerializer.Serialize(settings, Default.PipelineSettings);
}
